package org.sparkfusion.fusefl.core;

/** Shape of one image in channels-first order; a feature vector holds {@code size()} values. */
public record ImageShape(int channels, int height, int width) implements java.io.Serializable {
  public ImageShape {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
    }
  }

  public int size() {
    return channels * height * width;
  }

  /** Infers 1x28x28 (784 values), 3x32x32 (3072) or a square single-channel image; fails otherwise. */
  public static ImageShape infer(int length) {
    if (length == 3 * 32 * 32) {
      return new ImageShape(3, 32, 32);
    }
    int side = (int) Math.round(Math.sqrt(length));
    if (side * side == length) {
      return new ImageShape(1, side, side);
    }
    throw new IllegalArgumentException("Cannot infer an image shape from feature length " + length
        + "; set inputShape to [channels, height, width]");
  }

  @Override
  public String toString() {
    return channels + "x" + height + "x" + width;
  }
}
