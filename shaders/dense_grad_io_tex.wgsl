// Operands of the weight gradient (dense_grad.wgsl) read from texture mirrors of their buffers: the family tx
// (layout and reason: dense_io_tex.wgsl).
@group(0) @binding(2) var dy_tex: texture_2d<f32>; // (M, n4): gradient at the pre-activation
@group(0) @binding(3) var x_tex: texture_2d<f32>;  // (M, k4): the layer's input

fn dyAt(i: u32) -> vec4f { return textureLoad(dy_tex, mirrorTexel(i, textureDimensions(dy_tex).x), 0); }
fn xAt(i: u32) -> vec4f { return textureLoad(x_tex, mirrorTexel(i, textureDimensions(x_tex).x), 0); }
