package org.sparkfusion.common

import java.nio.charset.StandardCharsets

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path
import org.scalatest.funsuite.AnyFunSuite
import org.sparkfusion.common.io.HadoopIO
import org.sparkfusion.common.test.TestDirs

/** Uses the IO helper from Scala, as spark-shell users and Scala modules do. */
class HadoopIOSuite extends AnyFunSuite {

  test("atomic write and read from Scala with a Scala lambda") {
    val target = new Path(TestDirs.newDir("scala-io").toUri.toString, "notes.txt")
    HadoopIO.writeFileAtomically(target, new Configuration(), false,
      out => out.write("from scala".getBytes(StandardCharsets.UTF_8)))
    assert(new String(HadoopIO.readAllBytes(target, new Configuration()), StandardCharsets.UTF_8) == "from scala")
  }
}
