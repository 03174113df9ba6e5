/**
 * Engine-agnostic FuseFL core: client networks (a small CNN family split into blocks), the fused
 * multi-branch network, parameter averaging, CCVR calibration and the Dirichlet label-skew split. Nothing
 * here depends on Spark. The classes are public only so the Spark glue in {@code org.sparkfusion.fusefl} can
 * use them; they are not a stable API.
 */
package org.sparkfusion.fusefl.core;
