package org.sparkfusion.common.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo serializer for ND4J arrays. Kryo's field serializer cannot copy the native buffers behind an
 * {@link INDArray}, so the array goes through ND4J's own binary format ({@link Nd4j#write} /
 * {@link Nd4j#read}), framed by its byte length.
 */
public final class INDArraySerializer extends Serializer<INDArray> {

  public INDArraySerializer() {
    setImmutable(false);
  }

  @Override
  public void write(Kryo kryo, Output output, INDArray array) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      Nd4j.write(array, out);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write INDArray " + array.shapeInfoToString(), e);
    }
    output.writeInt(bytes.size(), true);
    output.writeBytes(bytes.toByteArray());
  }

  @Override
  public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
    int length = input.readInt(true);
    byte[] bytes = input.readBytes(length);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return Nd4j.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read INDArray of " + length + " bytes", e);
    }
  }

  @Override
  public INDArray copy(Kryo kryo, INDArray original) {
    return original.dup();
  }
}
