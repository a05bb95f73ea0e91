// Operands of the dense products (dense.wgsl) read from texture mirrors of their buffers: the family tx.
// A mirror holds the buffer's flat vec4 array row by row in an rgba32float texture whose width is a power of two
// (src/gpu/mirror.ts), so vec4 i is texel (i mod width, i / width). llvmpipe fetches texels 8 lanes at a time with
// plain vector loads, where a storage-buffer load of a per-invocation index is a loop over the lanes with a bounds
// check per component: the same products run 1.2–2× faster from textures there (docs/performance.md).
@group(0) @binding(2) var lhs_tex: texture_2d<f32>;    // forward: X (M, k4); backward: dY (M, n4)
@group(0) @binding(3) var params_tex: texture_2d<f32>; // parameter slab (W, b)

fn lhsAt(i: u32) -> vec4f {
  let w = textureDimensions(lhs_tex).x;
  return textureLoad(lhs_tex, vec2u(i & (w - 1u), i >> countTrailingZeros(w)), 0);
}

fn paramAt(i: u32) -> vec4f {
  let w = textureDimensions(params_tex).x;
  return textureLoad(params_tex, vec2u(i & (w - 1u), i >> countTrailingZeros(w)), 0);
}
