// Operands of the dense products (dense.wgsl) read from storage buffers: the families rb, mt, wt and sg.
@group(0) @binding(2) var<storage, read> lhs: array<vec4f>;    // forward: X (M, k4); backward: dY (M, n4)
@group(0) @binding(3) var<storage, read> params: array<vec4f>; // parameter slab (W, b)

fn lhsAt(i: u32) -> vec4f { return lhs[i]; }
fn paramAt(i: u32) -> vec4f { return params[i]; }
