package org.sparkfusion.upmem;

/** Min-heap of DPUs by load (ties by DPU number), for longest-processing-time-first placement. */
final class LoadHeap {
  private final int[] heap;
  private final double[] load;
  private int size;

  LoadHeap(int nrDpus, double[] load) {
    this.heap = new int[nrDpus];
    this.load = load;
    for (int d = 0; d < nrDpus; d++) {
      push(d);
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  private boolean less(int a, int b) {
    return load[a] < load[b] || (load[a] == load[b] && a < b);
  }

  void push(int dpu) {
    int i = size++;
    heap[i] = dpu;
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!less(heap[i], heap[parent])) {
        break;
      }
      int tmp = heap[i];
      heap[i] = heap[parent];
      heap[parent] = tmp;
      i = parent;
    }
  }

  int pop() {
    int top = heap[0];
    heap[0] = heap[--size];
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int m = i;
      if (l < size && less(heap[l], heap[m])) {
        m = l;
      }
      if (r < size && less(heap[r], heap[m])) {
        m = r;
      }
      if (m == i) {
        break;
      }
      int tmp = heap[i];
      heap[i] = heap[m];
      heap[m] = tmp;
      i = m;
    }
    return top;
  }
}
