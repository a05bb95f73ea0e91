// The encoder h = (x − b_dec)·W_enc + b_enc. When d_in and d_sae are multiples of 4 it is three dispatches: saeCenter
// (x − b_dec), the dense layers' tuned product dY·W (dense.wgsl denseBackwardInput: W_enc in the slab is already a
// (d_in, d_sae) "W" of that product) and saeAddBias; otherwise saeEncode, register-blocked (the sum over i then runs
// in the reference's order). On the CPU adapters loads, not arithmetic, bound these products.

@group(0) @binding(2) var<storage, read> e_x: array<f32>;           // (batch, d_in)
@group(0) @binding(3) var<storage, read> e_params: array<f32>;      // parameter slab
@group(0) @binding(4) var<storage, read_write> e_h: array<f32>;     // (batch, d_sae) pre-activations

// One thread per block of 8 samples × 4 latents (j, j + Q, j + 2Q, j + 3Q with Q = ⌈d_sae / 4⌉): each x load serves
// four latents and each W_enc load eight samples (13 loads for 32 products), and neighbouring threads read
// neighbouring columns of W_enc for each of the four. Unrolled by hand: SwiftShader keeps loop-indexed local arrays
// in memory.
@compute @workgroup_size(SAE_WG)
fn saeEncode(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = (p.d_sae + 3u) / 4u;
  let n = saeThread(wid, nwg, lid);
  if (n >= (st.rows + 7u) / 8u * q) { return; }
  let b0 = n / q * 8u;
  let live = min(st.rows - b0, 8u);
  let last = p.d_sae - 1u;
  let j = vec4u(n % q) + vec4u(0u, q, 2u * q, 3u * q);
  let jc = min(j, vec4u(last));
  let xa = vec4u(b0) + min(vec4u(0u, 1u, 2u, 3u), vec4u(live - 1u));
  let xb = vec4u(b0) + min(vec4u(4u, 5u, 6u, 7u), vec4u(live - 1u));
  let ra = xa * p.d_in;
  let rb = xb * p.d_in;
  var a0 = vec4f(e_params[p.b_enc + jc.x]); // latent j.x, samples b0 … b0 + 3
  var a1 = vec4f(e_params[p.b_enc + jc.y]);
  var a2 = vec4f(e_params[p.b_enc + jc.z]);
  var a3 = vec4f(e_params[p.b_enc + jc.w]);
  var b_0 = a0; // samples b0 + 4 … b0 + 7
  var b_1 = a1;
  var b_2 = a2;
  var b_3 = a3;
  for (var i = 0u; i < p.d_in; i++) {
    let c = e_params[p.b_dec + i];
    let x = vec4f(e_x[ra.x + i], e_x[ra.y + i], e_x[ra.z + i], e_x[ra.w + i]) - c;
    let y = vec4f(e_x[rb.x + i], e_x[rb.y + i], e_x[rb.z + i], e_x[rb.w + i]) - c;
    let row = p.w_enc + i * p.d_sae;
    let w = vec4f(e_params[row + jc.x], e_params[row + jc.y], e_params[row + jc.z], e_params[row + jc.w]);
    a0 += x * w.x;
    a1 += x * w.y;
    a2 += x * w.z;
    a3 += x * w.w;
    b_0 += y * w.x;
    b_1 += y * w.y;
    b_2 += y * w.z;
    b_3 += y * w.w;
  }
  for (var r = 0u; r < min(live, 4u); r++) { storeH(b0 + r, j, jc, vec4f(a0[r], a1[r], a2[r], a3[r])); }
  for (var r = 4u; r < live; r++) { storeH(b0 + r, j, jc, vec4f(b_0[r - 4u], b_1[r - 4u], b_2[r - 4u], b_3[r - 4u])); }
}

// h[b, j] for the block's latents that exist.
fn storeH(b: u32, j: vec4u, jc: vec4u, v: vec4f) {
  let at = b * p.d_sae;
  let last = p.d_sae - 1u;
  e_h[at + jc.x] = v.x;
  if (j.y <= last) { e_h[at + jc.y] = v.y; }
  if (j.z <= last) { e_h[at + jc.z] = v.z; }
  if (j.w <= last) { e_h[at + jc.w] = v.w; }
}

@group(0) @binding(2) var<storage, read> c_x: array<f32>;           // (batch, d_in)
@group(0) @binding(3) var<storage, read> c_params: array<f32>;
@group(0) @binding(4) var<storage, read_write> c_xc: array<f32>;    // (batch, d_in) x − b_dec

@compute @workgroup_size(SAE_WG)
fn saeCenter(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_in) { return; }
  c_xc[n] = c_x[n] - c_params[p.b_dec + n % p.d_in];
}

@group(0) @binding(2) var<storage, read> a_params: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_h: array<f32>;     // (batch, d_sae)

@compute @workgroup_size(SAE_WG)
fn saeAddBias(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_sae) { return; }
  a_h[n] += a_params[p.b_enc + n % p.d_sae];
}
