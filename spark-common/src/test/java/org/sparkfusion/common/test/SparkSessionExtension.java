package org.sparkfusion.common.test;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Resolves {@link SparkSession} parameters of constructors, lifecycle and test methods. */
abstract class SparkSessionExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SparkSessionExtension.class);

  /** The master URL this extension starts. */
  abstract String master();

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    // Stop the shared session when the whole run ends (root store resources close at the end of the run).
    context.getRoot().getStore(NS).getOrComputeIfAbsent("shutdown", k -> (ExtensionContext.Store.CloseableResource) SparkSessions::stop);
    return SparkSessions.get(master(), SparkSessions.confsOf(testClass));
  }
}
