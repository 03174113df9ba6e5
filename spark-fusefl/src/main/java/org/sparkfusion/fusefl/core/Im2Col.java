package org.sparkfusion.fusefl.core;

import java.util.Arrays;

/**
 * im2col and col2im on NCHW float arrays for a chunk of images. The column matrix is [C*kh*kw, nb*oh*ow] in
 * row-major order: row (c, ky, kx), column (image, oy, ox). Stride-1 rows are copied as runs.
 */
final class Im2Col {
  final int channels;
  final int height;
  final int width;
  final int kh;
  final int kw;
  final int stride;
  final int padTop;
  final int padLeft;
  final int outH;
  final int outW;

  Im2Col(int channels, int height, int width, int kh, int kw, int stride, int padTop, int padLeft, int outH,
      int outW) {
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.kh = kh;
    this.kw = kw;
    this.stride = stride;
    this.padTop = padTop;
    this.padLeft = padLeft;
    this.outH = outH;
    this.outW = outW;
  }

  int rows() {
    return channels * kh * kw;
  }

  int pixels() {
    return outH * outW;
  }

  /** First ox whose input column ox*s + kx - padLeft is >= 0. */
  private int oxStart(int kx) {
    int need = padLeft - kx;
    return need <= 0 ? 0 : (need + stride - 1) / stride;
  }

  /** One past the last ox whose input column is < width. */
  private int oxEnd(int kx) {
    int lim = width - 1 + padLeft - kx;
    return lim < 0 ? 0 : Math.min(outW, lim / stride + 1);
  }

  /**
   * Columns of images [first, first+nb) of {@code x} (NCHW, all images) into {@code cols}, whose rows are
   * {@code span} >= nb*oh*ow floats apart (the rest of each row is left as it is). Positions that fall on the
   * zero padding are written only if {@code fillPadding}: a buffer that only ever receives im2col output of this
   * geometry keeps its zeros there.
   */
  void im2col(float[] x, int first, int nb, float[] cols, int span, boolean fillPadding) {
    int p = pixels();
    int imageSize = channels * height * width;
    for (int c = 0; c < channels; c++) {
      for (int ky = 0; ky < kh; ky++) {
        for (int kx = 0; kx < kw; kx++) {
          int row = ((c * kh + ky) * kw + kx) * span;
          int x0 = oxStart(kx);
          int x1 = oxEnd(kx);
          for (int n = 0; n < nb; n++) {
            int plane = (first + n) * imageSize + c * height * width;
            int base = row + n * p;
            for (int oy = 0; oy < outH; oy++) {
              int dst = base + oy * outW;
              int iy = oy * stride + ky - padTop;
              if (iy < 0 || iy >= height || x1 <= x0) {
                if (fillPadding) {
                  Arrays.fill(cols, dst, dst + outW, 0f);
                }
                continue;
              }
              if (fillPadding && x0 > 0) {
                Arrays.fill(cols, dst, dst + x0, 0f);
              }
              if (fillPadding && x1 < outW) {
                Arrays.fill(cols, dst + x1, dst + outW, 0f);
              }
              int src = plane + iy * width + x0 * stride + kx - padLeft;
              if (stride == 1) {
                System.arraycopy(x, src, cols, dst + x0, x1 - x0);
              } else {
                for (int ox = x0; ox < x1; ox++, src += stride) {
                  cols[dst + ox] = x[src];
                }
              }
            }
          }
        }
      }
    }
  }

  /**
   * Adds the column gradients {@code cols} (rows {@code span} apart) of images [first, first+nb) into {@code dx}.
   * Image by image, so the image's gradient planes stay in cache while its 25-odd column rows are added in; every
   * element still receives its terms in (c, ky, kx) order.
   */
  void col2im(float[] cols, int first, int nb, float[] dx, int span) {
    int p = pixels();
    int imageSize = channels * height * width;
    for (int n = 0; n < nb; n++) {
      for (int c = 0; c < channels; c++) {
        int plane = (first + n) * imageSize + c * height * width;
        for (int ky = 0; ky < kh; ky++) {
          for (int kx = 0; kx < kw; kx++) {
            int x0 = oxStart(kx);
            int x1 = oxEnd(kx);
            if (x1 <= x0) {
              continue;
            }
            int base = ((c * kh + ky) * kw + kx) * span + n * p;
            int len = x1 - x0;
            for (int oy = 0; oy < outH; oy++) {
              int iy = oy * stride + ky - padTop;
              if (iy < 0 || iy >= height) {
                continue;
              }
              int src = base + oy * outW + x0;
              int dst = plane + iy * width + x0 * stride + kx - padLeft;
              if (stride == 1) {
                for (int i = 0; i < len; i++) {
                  dx[dst + i] += cols[src + i];
                }
              } else {
                for (int i = 0; i < len; i++, dst += stride) {
                  dx[dst] += cols[src + i];
                }
              }
            }
          }
        }
      }
    }
  }
}
