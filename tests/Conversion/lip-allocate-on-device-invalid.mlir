// RUN: lip-opt %s -split-input-file -verify-diagnostics -lip-allocate-on-device

// A buffer read by the host code would be device memory: an error, not a
// crash on the GPU.
func.func @host_read(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %b = memref.alloc(%n) : memref<?xf32>
  // expected-error @+1 {{the GPU step's host code would access a buffer in device memory here (this op could not be moved into a parallel loop)}}
  %v = memref.load %b[%c0] : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return %v : f32
}

// -----

func.func @host_copy(%a: memref<4xf32>, %b: memref<4xf32>) {
  // expected-error @+1 {{the GPU step's host code would access a buffer in device memory here}}
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  return
}

// -----

// So would a scalar argument: the runtime stages the step count in device
// memory too.
func.func @host_reads_step(%step: memref<f64>) -> f64 {
  // expected-error @+1 {{the GPU step's host code would access a buffer in device memory here}}
  %s = memref.load %step[] : memref<f64>
  return %s : f64
}

// -----

// The exact cap's runtime function reads its buffers on the host: the GPU
// step cannot hand it device memory. cuBLAS's products and the collective
// take device memory.
func.func private @liprt_exact_cap(memref<*xf32>, f32)
func.func private @liprt_all_reduce_mean(memref<*xf32>)
func.func @host_runtime(%w: memref<*xf32>, %cap: f32) {
  call @liprt_all_reduce_mean(%w) : (memref<*xf32>) -> ()
  // expected-error @+1 {{the GPU step would hand device memory to @liprt_exact_cap, which reads it on the host (not available on the GPU path)}}
  call @liprt_exact_cap(%w, %cap) : (memref<*xf32>, f32) -> ()
  return
}
