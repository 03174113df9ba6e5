package org.sparkfusion.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts a real HDFS (one NameNode, one DataNode, from
 * {@code hadoop-client-minicluster}) once per test class and resolves {@link MiniDfs.Hdfs} parameters.
 * Paths under {@link Hdfs#uri()} work with Spark and with {@code org.sparkfusion.common.io.HadoopIO}.
 */
public final class MiniDfs implements ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MiniDfs.class);

  /** A running HDFS. */
  public static final class Hdfs implements ExtensionContext.Store.CloseableResource {
    private final MiniDFSCluster cluster;

    Hdfs(MiniDFSCluster cluster) {
      this.cluster = cluster;
    }

    /** {@code hdfs://127.0.0.1:port}, without a trailing slash. */
    public URI uri() {
      return cluster.getURI();
    }

    /** An {@code hdfs://} path string under the cluster's root. */
    public String path(String relative) {
      return uri().toString() + "/" + relative.replaceFirst("^/+", "");
    }

    public FileSystem fileSystem() {
      try {
        return cluster.getFileSystem();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public Configuration configuration() {
      return cluster.getConfiguration(0);
    }

    @Override
    public void close() {
      cluster.shutdown(true);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Hdfs.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getParent().isPresent() && classContext.getTestMethod().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext.getStore(NS).getOrComputeIfAbsent("hdfs", k -> start(), Hdfs.class);
  }

  private static Hdfs start() {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, TestDirs.newDir("minidfs").toString());
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    try {
      MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
      cluster.waitActive();
      return new Hdfs(cluster);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start MiniDFSCluster", e);
    }
  }
}
