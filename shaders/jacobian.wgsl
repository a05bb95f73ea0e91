// The contractive penalty's exact Jacobian pass and its adjoint (double backprop), row-wise: each sample b owns
// Z rows r = b·Z + z, row z being e_zᵀ·J_b pushed back through the encoder with the sample's own derivatives
// (the dense products reuse dense.wgsl / dense_grad.wgsl with row_mult = Z). At the first linear layer
// ‖J_b‖²_F = Σ_z t K tᵀ with K = W₀W₀ᵀ, so the (Z × D) rows never exist. Activation derivatives are written from
// outputs; their own derivatives σ'' = σ'·h(y) (sigmoid h = 1 − 2y, tanh h = −2y, zero for the piecewise-linear
// ones) give the second-order terms that flow into the ordinary backward pass.

struct Jac {
  f4: u32,       // vec4 columns at this level
  zr: u32,       // rows per sample: Z (exact) or P (projections)
  z: u32,        // seed: logical code width (pad columns stay zero)
  kind: u32,     // scale: 0 = none, 1 = BatchNorm γ·1/σ, 2 = dropout mask, 3 = activation σ'(y);
                 // seed and norm: 0 = exact (rows e_z), 1 = P Rademacher projections (rows v_p, ‖J‖² ≈ Σ_p ‖v_pᵀJ‖²/P)
  act: u32,      // seed / scale kind 3 / second order: the activation whose derivative is applied
  alpha: f32,    // its LeakyReLU slope
  in_act: u32,   // scale: activation of the op that produced X, derivative from X
  in_alpha: f32,
  f: u32,        // logical features (dropout counter uses row·F + col)
  layer: u32,    // dropout layer id
  p: f32,        // dropout probability
  scale: f32,    // dropout 1/(1 − p); norm: λ; accumulate: α
  off: u32,      // BatchNorm γ offset (params, vec4s); accumulate: destination offset (vec4s)
  off2: u32,     // BatchNorm running variance offset (state, vec4s); accumulate: source offset (vec4s)
  eps: f32,      // BatchNorm ε
  count: u32,    // accumulate: vec4s; norm: 1 = also write the adjoint seed (training)
}

override WG: u32 = 64u;
@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Jac;

fn secondOverFirst(kind: u32, y: vec4f) -> vec4f {
  switch kind {
    case ACT_SIGMOID: { return 1.0 - 2.0 * y; }
    case ACT_TANH: { return -2.0 * y; }
    default: { return vec4f(0.0); }
  }
}

const PROJECTION_LAYER = 0x4A4143u; // RNG layer id of the projection signs ("JAC")

// ---- seed: J[r] = e_z ⊙ σ'(code_b), or v_p ⊙ σ'(code_b) with v_p ∈ {±1}^Z from the counter RNG ----------------
@group(0) @binding(2) var<storage, read> seed_code: array<vec4f>;      // (B, f4) the code
@group(0) @binding(3) var<storage, read_write> seed_out: array<vec4f>; // (B·Z, f4)
@compute @workgroup_size(WG)
fn jacobianSeed(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.zr * p.f4) { return; }
  let r = i / p.f4;
  let c = i % p.f4;
  let b = r / p.zr;
  let z = r % p.zr;
  let col = vec4u(c * 4u) + vec4u(0u, 1u, 2u, 3u);
  var v = select(vec4f(0.0), vec4f(1.0), col == vec4u(z));
  if (p.kind == 1u) {
    let e = (b * p.zr + z) * p.z + c * 4u;
    let bits = vec4u(rngU32(st.seed, st.step, PROJECTION_LAYER, e), rngU32(st.seed, st.step, PROJECTION_LAYER, e + 1u),
                     rngU32(st.seed, st.step, PROJECTION_LAYER, e + 2u), rngU32(st.seed, st.step, PROJECTION_LAYER, e + 3u));
    v = select(vec4f(0.0), select(vec4f(-1.0), vec4f(1.0), (bits & vec4u(1u)) == vec4u(1u)), col < vec4u(p.z));
  }
  seed_out[i] = v * activateGrad(p.act, p.alpha, seed_code[b * p.f4 + c]);
}

// ---- scale: out[r] = in[r] ⊙ d(b) ⊙ in_act'(x_b), the diagonal ops (BatchNorm, dropout, activation) ------------
@group(0) @binding(2) var<storage, read> sc_in: array<vec4f>;          // (B·Z, f4)
@group(0) @binding(3) var<storage, read_write> sc_out: array<vec4f>;   // (B·Z, f4)
@group(0) @binding(4) var<storage, read> sc_x: array<vec4f>;           // (B, f4) the op's input
@group(0) @binding(5) var<storage, read> sc_y: array<vec4f>;           // (B, f4) the op's output
@group(0) @binding(6) var<storage, read> sc_params: array<vec4f>;      // parameter slab (γ)
@group(0) @binding(7) var<storage, read> sc_stats: array<vec4f>;       // BatchNorm (2, f4): mean, 1/σ of the batch
@group(0) @binding(8) var<storage, read> sc_state: array<vec4f>;       // buffer slab (running variance)
@compute @workgroup_size(WG)
fn jacobianScale(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.zr * p.f4) { return; }
  let c = i % p.f4;
  let b = i / p.f4 / p.zr;
  var d = vec4f(1.0);
  if (p.kind == 1u) {
    let inv = select(inverseSqrt(sc_state[p.off2 + c] + p.eps), sc_stats[p.f4 + c], st.training == 1u);
    d = sc_params[p.off + c] * inv;
  } else if (p.kind == 2u) {
    if (st.training == 1u) {
      let e = b * p.f + c * 4u;
      let u = vec4f(rngUniform(st.seed, st.step, p.layer, e), rngUniform(st.seed, st.step, p.layer, e + 1u),
                    rngUniform(st.seed, st.step, p.layer, e + 2u), rngUniform(st.seed, st.step, p.layer, e + 3u));
      d = select(vec4f(0.0), vec4f(p.scale), u >= vec4f(p.p));
    }
  } else if (p.kind == 3u) {
    d = activateGrad(p.act, p.alpha, sc_y[b * p.f4 + c]);
  }
  if (p.in_act != ACT_IDENTITY) { d *= activateGrad(p.in_act, p.in_alpha, sc_x[b * p.f4 + c]); }
  sc_out[i] = sc_in[i] * d;
}

// ---- norm: ‖J_b‖² = Σ_z t·(tK) per sample; in training also the adjoint seed Ā = 2λ/B · tK (in place) ----------
@group(0) @binding(2) var<storage, read> nm_t: array<vec4f>;           // (B·Z, f4) rows at the first layer's output
@group(0) @binding(3) var<storage, read_write> nm_tk: array<vec4f>;    // (B·Z, f4) t·K → Ā
@group(0) @binding(4) var<storage, read_write> nm_jac: array<f32>;     // (B) ‖J_b‖²_F
var<workgroup> sums: array<f32, 64>;

@compute @workgroup_size(64)
fn jacobianNorm(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = groupIndex(wid, nwg);
  let inBatch = b < st.rows;
  let first = b * p.zr * p.f4;
  let n = p.zr * p.f4;
  let w = select(1.0, 1.0 / f32(p.zr), p.kind == 1u); // projections: the mean over P
  let adjoint = 2.0 * w * p.scale / f32(st.rows);
  var s = 0.0;
  if (inBatch) {
    for (var i = lid; i < n; i += 64u) {
      let tk = nm_tk[first + i];
      s += dot(nm_t[first + i], tk);
      if (p.count == 1u) { nm_tk[first + i] = adjoint * tk; }
    }
  }
  sums[lid] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w /= 2u) {
    if (lid < w) { sums[lid] += sums[lid + w]; }
    workgroupBarrier();
  }
  if (inBatch && lid == 0u) { nm_jac[b] = w * sums[0]; }
}

// ---- second order: q_b = Σ_z Ā[r] ⊙ J[r] ⊙ h(y_b) at a level whose J rows carry σ'(y); then Ā[r] ⊙= σ'(y_b) ----
@group(0) @binding(2) var<storage, read_write> so_adj: array<vec4f>;   // (B·Z, f4) Ā, in place
@group(0) @binding(3) var<storage, read> so_j: array<vec4f>;           // (B·Z, f4) J rows after the factor
@group(0) @binding(4) var<storage, read> so_y: array<vec4f>;           // (B, f4) the activation's output
@group(0) @binding(5) var<storage, read_write> so_q: array<vec4f>;     // (B, f4) ∂P/∂(pre-activation)
@compute @workgroup_size(WG)
fn jacobianSecondOrder(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.f4) { return; }
  let b = i / p.f4;
  let c = i % p.f4;
  let y = so_y[i];
  let g = activateGrad(p.act, p.alpha, y);
  let h = secondOverFirst(p.act, y);
  var q = vec4f(0.0);
  for (var z = 0u; z < p.zr; z++) {
    let at = (b * p.zr + z) * p.f4 + c;
    let a = so_adj[at];
    q += a * so_j[at];
    so_adj[at] = a * g;
  }
  so_q[i] = q * h;
}

// ---- ∂P/∂γ of a BatchNorm inside J: Σ_r Ā[r] ⊙ J_in[r] ⊙ 1/σ, written into the contractive gradient slab ----------
@group(0) @binding(2) var<storage, read> gg_adj: array<vec4f>;         // (B·Z, f4) Ā at the op's output side
@group(0) @binding(3) var<storage, read> gg_j: array<vec4f>;           // (B·Z, f4) J rows arriving at the op
@group(0) @binding(4) var<storage, read> gg_stats: array<vec4f>;       // (2, f4)
@group(0) @binding(5) var<storage, read_write> gg_grads: array<vec4f>; // gradient slab
@compute @workgroup_size(16)
fn jacobianGammaGrad(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.f4) { return; }
  var s = vec4f(0.0);
  for (var r = 0u; r < st.rows * p.zr; r++) { s += gg_adj[r * p.f4 + c] * gg_j[r * p.f4 + c]; }
  gg_grads[p.off + c] = s * gg_stats[p.f4 + c];
}

// ---- dst[off + i] = (count flag) + α·src[off2 + i]: adding the Jacobian pass's terms into the gradients -----------
@group(0) @binding(2) var<storage, read> ac_src: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> ac_dst: array<vec4f>;
@compute @workgroup_size(WG)
fn accumulate(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  // kind 0: the count is fixed; kind 1: count·st.rows vec4s (batch-shaped buffers, the batch may be short)
  let n = select(p.count, p.count * st.rows, p.kind == 1u);
  if (i >= n) { return; }
  // act = 1: overwrite instead of adding; in_act = 1: α is divided by the batch's rows
  let a = select(p.scale, p.scale / f32(st.rows), p.in_act == 1u);
  let v = a * ac_src[p.off2 + i];
  ac_dst[p.off + i] = select(ac_dst[p.off + i] + v, v, p.act == 1u);
}
