// Sparsity on the code layer: per unit j the batch mean activity ρ̂_j, the penalty term and the count of active
// samples (activity > 0.1), then the penalty's gradient into every sample. Activity a = (z + 1)/2 for tanh codes,
// a = z otherwise. KL: β·Σ_j KL(ρ‖ρ̂_j) with ρ̂ clamped to [1e-6, 1 − 1e-6] inside the logs (zero gradient where the
// clamp is active). L1: λ·mean_{b,j} |z_bj| (on the code values, as seed 001's l1_loss).

struct Sparsity {
  f: u32,          // logical code units Z
  f4: u32,         // ceil(Z/4): vec4 columns
  rho: f32,        // KL target activity ρ
  weight: f32,     // β or λ (the kernels still measure activity when the penalty is off)
  act: u32,        // the code's activation (ACT_*): decides how activity is read from z
  grad_act: u32,   // activation fused into the op that produced z: backward multiplies by its derivative
  grad_alpha: f32, // its LeakyReLU slope
  kind: u32,       // SPARSITY_*
}

const SPARSITY_NONE = 0u;
const SPARSITY_L1 = 1u;
const SPARSITY_KL = 2u;
const CLAMP_LO = 1e-6;
const CLAMP_HI = 1.0 - 1e-6;
const ACTIVE = 0.1; // activity above which a unit counts as active (population / lifetime sparsity)

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> models: array<Sparsity, MAX_MODELS>; // one per model (kind, ρ, weight differ)
// Each model's slice: (capacity, f4) for the batch-shaped buffers, (4, f4) for sp.
@group(0) @binding(2) var<storage, read> z: array<vec4f>;            // (rows, f4) code
@group(0) @binding(3) var<storage, read_write> sp: array<vec4f>;     // (4, f4): ρ̂, penalty_j, dKL/dz_j, active count
@group(0) @binding(4) var<storage, read> dz_in: array<vec4f>;        // (rows, f4) gradient from the decoder
@group(0) @binding(5) var<storage, read_write> dz: array<vec4f>;     // (rows, f4) gradient at the code pre-activation

var<private> p: Sparsity; // this invocation's model's settings

fn activity(v: vec4f) -> vec4f {
  return select(v, 0.5 * (v + 1.0), p.act == ACT_TANH);
}

@compute @workgroup_size(WG)
fn sparsityForward(@builtin(global_invocation_id) gid: vec3u) {
  p = models[gid.z];
  let f = gid.x;
  if (f >= p.f4) { return; }
  let zb = gid.z * st.capacity * p.f4;
  var sum = vec4f(0.0);
  var abs_sum = vec4f(0.0);
  var n_active = vec4f(0.0);
  for (var r = 0u; r < st.rows; r++) {
    let v = z[zb + r * p.f4 + f];
    let a = activity(v);
    sum += a;
    abs_sum += abs(v);
    n_active += select(vec4f(0.0), vec4f(1.0), a > vec4f(ACTIVE));
  }
  let live = (vec4u(f * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.f);
  let n = f32(st.rows);
  let rho_hat = sum / n;
  var penalty = vec4f(0.0);
  var d = vec4f(0.0);
  if (p.kind == SPARSITY_KL) {
    let rc = clamp(rho_hat, vec4f(CLAMP_LO), vec4f(CLAMP_HI));
    penalty = p.rho * log(p.rho / rc) + (1.0 - p.rho) * log((1.0 - p.rho) / (1.0 - rc));
    let inside = (rho_hat >= vec4f(CLAMP_LO)) & (rho_hat <= vec4f(CLAMP_HI));
    let da_dz = select(1.0, 0.5, p.act == ACT_TANH);
    d = select(vec4f(0.0), p.weight * (-p.rho / rc + (1.0 - p.rho) / (1.0 - rc)) * (da_dz / n), inside);
  } else if (p.kind == SPARSITY_L1) {
    penalty = abs_sum / (n * f32(p.f));
  }
  let sb = gid.z * 4u * p.f4;
  sp[sb + f] = select(vec4f(0.0), rho_hat, live);
  sp[sb + p.f4 + f] = select(vec4f(0.0), penalty, live);
  sp[sb + 2u * p.f4 + f] = select(vec4f(0.0), d, live);
  sp[sb + 3u * p.f4 + f] = select(vec4f(0.0), n_active, live);
}

@compute @workgroup_size(WG)
fn sparsityBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                    @builtin(local_invocation_index) lid: u32) {
  p = models[wid.z];
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.f4) { return; }
  let at = wid.z * st.capacity * p.f4 + i;
  let col = i % p.f4;
  let v = z[at];
  var g = dz_in[at] + sp[wid.z * 4u * p.f4 + 2u * p.f4 + col];
  if (p.kind == SPARSITY_L1) {
    let live = (vec4u(col * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.f);
    g += select(vec4f(0.0), p.weight * sign(v) / (f32(st.rows) * f32(p.f)), live);
  }
  dz[at] = g * activateGrad(p.grad_act, p.grad_alpha, v);
}
