package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/** 2-D convolution over [C,H,W] samples; weight [O,C,K,K], bias [O], stride and zero padding. */
final class Conv2dOp extends Op {
  final int inChannels;
  final int outChannels;
  final int kernel;
  final int stride;
  final int padding;

  Conv2dOp(int inChannels, int outChannels, int kernel, int stride, int padding) {
    require(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
        "conv2d needs positive channels, kernel, stride and non-negative padding");
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
  }

  @Override String type() { return "conv2d"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("in_channels", inChannels);
    m.put("out_channels", outChannels);
    m.put("kernel", kernel);
    m.put("stride", stride);
    m.put("padding", padding);
    return m;
  }

  @Override int arity() { return 1; }

  int outSize(int size) {
    return (size + 2 * padding - kernel) / stride + 1;
  }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].rank() == 3,
        "conv2d expects a float [channels,height,width] input, got " + in[0]);
    require(in[0].shape()[0] == inChannels, "conv2d expects " + inChannels + " input channels, input is " + in[0]);
    int h = outSize(in[0].shape()[1]);
    int w = outSize(in[0].shape()[2]);
    require(h > 0 && w > 0, "conv2d kernel " + kernel + " does not fit input " + in[0]);
    return new TensorType(DType.FLOAT, new int[] {outChannels, h, w});
  }

  @Override ParamSpec[] params(TensorType[] in) {
    return new ParamSpec[] {
        ParamSpec.normal("weight", Math.sqrt(2.0 / (inChannels * kernel * kernel)), outChannels, inChannels, kernel, kernel),
        ParamSpec.zeros("bias", outChannels)};
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    int n = x.dim(0), h = x.dim(2), w = x.dim(3);
    int oh = outSize(h), ow = outSize(w);
    Tensor y = Tensor.zeros(n, outChannels, oh, ow);
    double[] wt = p[0].data;
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < outChannels; o++) {
        int yo = ((b * outChannels) + o) * oh * ow;
        double bias = p[1].data[o];
        for (int i = 0; i < oh * ow; i++) {
          y.data[yo + i] = bias;
        }
        for (int c = 0; c < inChannels; c++) {
          int xo = ((b * inChannels) + c) * h * w;
          for (int ki = 0; ki < kernel; ki++) {
            for (int kj = 0; kj < kernel; kj++) {
              double wv = wt[((o * inChannels + c) * kernel + ki) * kernel + kj];
              for (int r = 0; r < oh; r++) {
                int xr = r * stride + ki - padding;
                if (xr < 0 || xr >= h) {
                  continue;
                }
                for (int q = 0; q < ow; q++) {
                  int xc = q * stride + kj - padding;
                  if (xc >= 0 && xc < w) {
                    y.data[yo + r * ow + q] += wv * x.data[xo + xr * w + xc];
                  }
                }
              }
            }
          }
        }
      }
    }
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    Tensor x = in[0];
    int n = x.dim(0), h = x.dim(2), w = x.dim(3);
    int oh = outSize(h), ow = outSize(w);
    double[] wt = p[0].data;
    double[] gw = gP[0].data;
    double[] gx = gIn[0] == null ? null : gIn[0].data;
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < outChannels; o++) {
        int yo = ((b * outChannels) + o) * oh * ow;
        for (int i = 0; i < oh * ow; i++) {
          gP[1].data[o] += g.data[yo + i];
        }
        for (int c = 0; c < inChannels; c++) {
          int xo = ((b * inChannels) + c) * h * w;
          for (int ki = 0; ki < kernel; ki++) {
            for (int kj = 0; kj < kernel; kj++) {
              int wi = ((o * inChannels + c) * kernel + ki) * kernel + kj;
              double wv = wt[wi];
              double acc = 0;
              for (int r = 0; r < oh; r++) {
                int xr = r * stride + ki - padding;
                if (xr < 0 || xr >= h) {
                  continue;
                }
                for (int q = 0; q < ow; q++) {
                  int xc = q * stride + kj - padding;
                  if (xc >= 0 && xc < w) {
                    double gv = g.data[yo + r * ow + q];
                    acc += gv * x.data[xo + xr * w + xc];
                    if (gx != null) {
                      gx[xo + xr * w + xc] += gv * wv;
                    }
                  }
                }
              }
              gw[wi] += acc;
            }
          }
        }
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) {
    return 2L * out.elements() * inChannels * kernel * kernel;
  }
}
