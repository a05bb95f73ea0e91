// Operands of the dense products (dense.wgsl) read from texture mirrors of their buffers: the family tx.
// A mirror holds the buffer's flat vec4 array row by row in an rgba32float texture whose width is a power of two
// (src/gpu/mirror.ts), so vec4 i is texel (i mod width, i / width): mirrorTexel in common.wgsl. llvmpipe fetches
// texels 8 lanes at a time with plain vector loads, where a storage-buffer load of a per-invocation index is a loop
// over the lanes with a bounds check per component: the same products run 1.4–1.8× faster from textures there
// (docs/performance.md).
@group(0) @binding(2) var lhs_tex: texture_2d<f32>;    // forward: X (M, k4); backward: dY (M, n4)
@group(0) @binding(3) var params_tex: texture_2d<f32>; // parameter slab (W, b)

fn lhsAt(i: u32) -> vec4f { return textureLoad(lhs_tex, mirrorTexel(i, textureDimensions(lhs_tex).x), 0); }
fn paramAt(i: u32) -> vec4f { return textureLoad(params_tex, mirrorTexel(i, textureDimensions(params_tex).x), 0); }
