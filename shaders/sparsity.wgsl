// KL sparsity on the code layer: ρ̂_j (batch mean of activity), KL(ρ‖ρ̂_j) and dKL/dz, then the gradient into
// every sample. Activity a = (z + 1)/2 for tanh codes, a = z otherwise; ρ̂ is clamped to [1e-6, 1 − 1e-6]
// inside the logs and the gradient is zero where the clamp is active.

struct Sparsity {
  f: u32,        // logical code units Z
  f4: u32,       // ceil(Z/4): vec4 columns
  rho: f32,      // target activity ρ
  weight: f32,   // β (0 when sparsity is off: the kernels still measure activity)
  act: u32,      // the code's activation (ACT_*): decides how activity is read from z
  grad_act: u32, // activation fused into the op that produced z: backward multiplies by its derivative
  grad_alpha: f32, // its LeakyReLU slope
  pad0: u32,
}

const CLAMP_LO = 1e-6;
const CLAMP_HI = 1.0 - 1e-6;

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Sparsity;
@group(0) @binding(2) var<storage, read> z: array<vec4f>;            // (M, f4) code
@group(0) @binding(3) var<storage, read_write> sp: array<vec4f>;     // (3, f4): ρ̂, KL_j, β·dKL/dz_j
@group(0) @binding(4) var<storage, read> dz_in: array<vec4f>;        // (M, f4) gradient from the decoder
@group(0) @binding(5) var<storage, read_write> dz: array<vec4f>;     // (M, f4) gradient at the code pre-activation

fn activity(v: vec4f) -> vec4f {
  return select(v, 0.5 * (v + 1.0), p.act == ACT_TANH);
}

@compute @workgroup_size(WG)
fn klSparsityForward(@builtin(global_invocation_id) gid: vec3u) {
  let f = gid.x;
  if (f >= p.f4) { return; }
  var sum = vec4f(0.0);
  for (var r = 0u; r < st.rows; r++) { sum += activity(z[r * p.f4 + f]); }
  let live = (vec4u(f * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.f);
  let rho_hat = sum / f32(st.rows);
  let rc = clamp(rho_hat, vec4f(CLAMP_LO), vec4f(CLAMP_HI));
  let kl = p.rho * log(p.rho / rc) + (1.0 - p.rho) * log((1.0 - p.rho) / (1.0 - rc));
  let inside = (rho_hat >= vec4f(CLAMP_LO)) & (rho_hat <= vec4f(CLAMP_HI));
  let da_dz = select(1.0, 0.5, p.act == ACT_TANH);
  let d = p.weight * (-p.rho / rc + (1.0 - p.rho) / (1.0 - rc)) * (da_dz / f32(st.rows));
  sp[f] = select(vec4f(0.0), rho_hat, live);
  sp[p.f4 + f] = select(vec4f(0.0), kl, live);
  sp[2u * p.f4 + f] = select(vec4f(0.0), d, live & inside);
}

@compute @workgroup_size(WG)
fn klSparsityBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                      @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.f4) { return; }
  dz[i] = (dz_in[i] + sp[2u * p.f4 + i % p.f4]) * activateGrad(p.grad_act, p.grad_alpha, z[i]);
}
