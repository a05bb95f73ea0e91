// Reconstruction losses: per-row sums of the chosen loss and of the squared error (reduced later by the
// metrics kernel), and the gradient at the output layer's pre-activation. BCE is computed from the logits:
// max(z, 0) − z·x + log(1 + e^−|z|), equal to −[x log σ(z) + (1 − x) log(1 − σ(z))] but finite everywhere.

struct Loss {
  d: u32,       // logical pixels D
  d4: u32,      // ceil(D/4): vec4 columns
  act: u32,     // output activation (ACT_*)
  alpha: f32,   // its LeakyReLU slope
  kind: u32,    // LOSS_*
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

const LOSS_MSE = 0u;
const LOSS_BCE = 1u;
const LOSS_MAE = 2u;

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> models: array<Loss, MAX_MODELS>; // one per model (the kind differs)
// Each model's slice: (capacity, d4) rows of vec4s; row_loss (capacity, 2).
@group(0) @binding(2) var<storage, read> recon: array<vec4f>;        // (rows, d4) x̂
@group(0) @binding(3) var<storage, read> clean: array<vec4f>;        // (rows, d4) clean x
@group(0) @binding(4) var<storage, read_write> grad: array<vec4f>;   // (rows, d4) dL/d(pre-activation)
@group(0) @binding(5) var<storage, read_write> row_loss: array<f32>; // (rows, 2): Σ_cols loss, Σ_cols (x̂ − x)²
@group(0) @binding(6) var<storage, read> logits: array<vec4f>;       // (rows, d4) pre-sigmoid output (BCE only)

var<private> p: Loss; // this invocation's model's settings

@compute @workgroup_size(WG)
fn reconLoss(@builtin(global_invocation_id) gid: vec3u) {
  p = models[gid.z];
  let row = gid.x;
  if (row >= st.rows) { return; }
  let base = gid.z * st.capacity * p.d4;
  let n = f32(st.rows) * f32(p.d);
  var sum = 0.0;
  var sq = 0.0;
  for (var c = 0u; c < p.d4; c++) {
    let at = base + row * p.d4 + c;
    let live = (vec4u(c * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.d);
    let y = recon[at];
    let x = clean[at];
    let diff = y - x;
    sq += dot(diff, diff);
    switch p.kind {
      case LOSS_BCE: {
        let z = logits[at];
        let l = max(z, vec4f(0.0)) - z * x + log(1.0 + exp(-abs(z)));
        sum += dot(select(vec4f(0.0), l, live), vec4f(1.0));
        grad[at] = diff / n; // d/dz of BCE(σ(z), x) = σ(z) − x
      }
      case LOSS_MAE: {
        sum += dot(abs(diff), vec4f(1.0));
        grad[at] = sign(diff) / n * activateGrad(p.act, p.alpha, y);
      }
      default: {
        sum += dot(diff, diff);
        grad[at] = 2.0 * diff / n * activateGrad(p.act, p.alpha, y);
      }
    }
  }
  let r2 = 2u * (gid.z * st.capacity + row);
  row_loss[r2] = sum;
  row_loss[r2 + 1u] = sq;
}
