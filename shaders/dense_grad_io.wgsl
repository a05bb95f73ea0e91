// Operands of the weight gradient (dense_grad.wgsl) read from storage buffers: the families rb, mt, wt and sg.
@group(0) @binding(2) var<storage, read> dy: array<vec4f>; // (M, n4): gradient at the pre-activation
@group(0) @binding(3) var<storage, read> x: array<vec4f>;  // (M, k4): the layer's input

fn dyAt(i: u32) -> vec4f { return dy[i]; }
fn xAt(i: u32) -> vec4f { return x[i]; }
