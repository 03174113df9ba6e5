/**
 * The one command-line grammar of every Spark Fusion job.
 *
 * <p>A job declares its own options once, as a picocli {@code @Command} class with typed {@code @Option} fields
 * (enums, numbers, paths), and takes the settings of the Spark ML stage it runs from that stage's Params through
 * {@link org.sparkfusion.common.cli.ParamOptions} (flag {@code --kebab-case} of the Param name, its type, default,
 * doc and validator), so that no setting or default is written twice. {@link org.sparkfusion.common.cli.Cli} parses
 * at the edge and runs the job with the project's exit codes: 0 done, 1 failed (one line naming what failed),
 * 2 usage error (one line naming the flag); {@code --help} prints the generated usage and {@code --verbose} adds
 * stack traces. {@code docs/cli.md} is generated from the same declarations.
 */
package org.sparkfusion.common.cli;
