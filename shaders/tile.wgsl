// Register tiles for the mt* matmul variants: 4×4 blocks of outputs as mat4x4f, updated by mat4x4 products.
// No local array is indexed by a loop counter anywhere: SwiftShader keeps such arrays in memory and turns each
// access into a per-lane gather or scatter, which made the register-blocked (rb*) kernels 2–4× slower there.
// Every access here is static, so the tiles live in registers or fixed stack slots.

struct Tile { a00: mat4x4f, a01: mat4x4f, a10: mat4x4f, a11: mat4x4f } // rows 0–3 / 4–7 × column quads 0 / 1

// a_rc += w_c · x_r: row quads x0, x1 against column quads w0, w1.
fn mac(t: ptr<function, Tile>, x0: mat4x4f, x1: mat4x4f, w0: mat4x4f, w1: mat4x4f) {
  (*t).a00 += w0 * x0;
  (*t).a01 += w1 * x0;
  (*t).a10 += w0 * x1;
  (*t).a11 += w1 * x1;
}

