package org.sparkfusion.common.test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Extra Spark settings ({@code "key=value"}) for the session a {@link LocalSpark} or {@link LocalClusterSpark}
 * test class gets. Classes with the same settings share one session.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
public @interface SparkConfs {
  String[] value();
}
