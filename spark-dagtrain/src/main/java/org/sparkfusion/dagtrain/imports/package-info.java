/**
 * Importers of models defined elsewhere: {@link org.sparkfusion.dagtrain.imports.Dl4jImport} (DL4J configurations,
 * architectures only) and {@link org.sparkfusion.dagtrain.imports.SameDiffImport} (SameDiff graphs with their
 * variables' values). Both build through the public {@link org.sparkfusion.dagtrain.GraphBuilder} only, so an import
 * is validated exactly like a hand-built graph and can create only allow-listed op types.
 */
package org.sparkfusion.dagtrain.imports;
