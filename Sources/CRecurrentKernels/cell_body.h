// The passes of RecurrentKernels.c over vectors of DL_W floats; included once per level with
// DL_W (16, 8, 1) and DL_NAME(x) (x suffixed by the level) defined. Only +, −, ×, ÷,
// comparisons, bit operations and integer shifts, in a fixed order (fp contract is off), so
// every width computes the same bits; rows of u % DL_W units end in the one-lane version.

typedef float DL_NAME(vf) __attribute__((vector_size(4 * DL_W), aligned(4)));
typedef int DL_NAME(vi) __attribute__((vector_size(4 * DL_W), aligned(4)));
#define VF DL_NAME(vf)
#define VI DL_NAME(vi)

static inline VF DL_NAME(ld)(const float *p) { VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void DL_NAME(st)(float *p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
static inline VF DL_NAME(k)(float x) { return (VF){0} + x; }
/// m ? a : b, lane by lane (m from a comparison: all ones or zero).
static inline VF DL_NAME(sel)(VI m, VF a, VF b) { return (VF)((m & (VI)a) | (~m & (VI)b)); }

/// exp(x) for x ≤ 0 (clamped below at −87.33654: 2⁻¹²⁶ and above); NaN stays NaN.
static inline VF DL_NAME(expneg)(VF x) {
  x = DL_NAME(sel)(x < -87.3365447505531f, DL_NAME(k)(-87.3365447505531f), x);
  // n = round(x·log₂e) by the 1.5·2²³ trick (|x·log₂e| < 2²²), r = x − n·ln2 in two parts.
  const VF big = DL_NAME(k)(12582912.0f);
  VF fn = (x * 1.44269504088896341f + big) - big;
  VF r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  VF y = DL_NAME(k)(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * (r * r) + r + 1.0f;
  fn = DL_NAME(sel)(fn == fn, fn, DL_NAME(k)(0));  // NaN (y is NaN then): no undefined conversion
  VI e = (__builtin_convertvector(fn, VI) + 127) << 23;
  return y * (VF)e;
}

/// The logistic function: 1/(1 + e) for x ≥ 0, e/(1 + e) below, e = exp(−|x|).
static inline VF DL_NAME(sigmoid)(VF x) {
  VF ax = (VF)((VI)x & 0x7fffffff);
  VF e = DL_NAME(expneg)(-ax);
  VF d = e + 1.0f;
  return DL_NAME(sel)(x >= 0.0f, 1.0f / d, e / d);
}

/// `rationalTanh` (RecurrentKernels.swift), operation for operation.
static inline VF DL_NAME(tanh)(VF x) {
  const VF hi = DL_NAME(k)(7.90531110763549805f), lo = DL_NAME(k)(-7.90531110763549805f);
  VF c = DL_NAME(sel)(hi < x, hi, x);
  c = DL_NAME(sel)(c < lo, lo, c);
  VF x2 = c * c;
  VF p = DL_NAME(k)(-2.76076847742355e-16f);
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  VF q = DL_NAME(k)(1.19825839466702e-06f);
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  VF y = c * p / q;
  VF ax = (VF)((VI)x & 0x7fffffff);
  return DL_NAME(sel)(ax < 0.0004f, x, y);
}

static inline VF DL_NAME(act)(VF x, int act) {
  switch (act) {
  case 0: return DL_NAME(tanh)(x);
  case 1: return DL_NAME(sel)(x > 0.0f, x, DL_NAME(k)(0));
  case 2: return DL_NAME(sigmoid)(x);
  default: return x;
  }
}

/// d act / dx from y = act(x).
static inline VF DL_NAME(slope)(VF y, int act) {
  switch (act) {
  case 0: return 1.0f - y * y;
  case 1: return DL_NAME(sel)(y > 0.0f, DL_NAME(k)(1), DL_NAME(k)(0));
  case 2: return y * (1.0f - y);
  default: return DL_NAME(k)(1);
  }
}

/// LSTM forward on units [j0, j1) of one row (j1 − j0 a multiple of DL_W).
static inline void DL_NAME(lstm_row)(float *z, const float *hp, const float *cp, float *c, float *h,
                                     float *tc, long u, long j0, long j1, int keep, int act) {
  for (long j = j0; j < j1; j += DL_W) {
    VF i = DL_NAME(sigmoid)(DL_NAME(ld)(z + j));
    VF f = DL_NAME(sigmoid)(DL_NAME(ld)(z + u + j));
    VF g = DL_NAME(act)(DL_NAME(ld)(z + 2 * u + j), act);
    VF o = DL_NAME(sigmoid)(DL_NAME(ld)(z + 3 * u + j));
    DL_NAME(st)(z + j, i); DL_NAME(st)(z + u + j, f);
    DL_NAME(st)(z + 2 * u + j, g); DL_NAME(st)(z + 3 * u + j, o);
    VF cpj = DL_NAME(ld)(cp + j);
    VF cn = f * cpj + i * g;
    VF t = DL_NAME(act)(cn, act);
    DL_NAME(st)(tc + j, t);
    if (keep) { DL_NAME(st)(c + j, cn); DL_NAME(st)(h + j, o * t); }
    else { DL_NAME(st)(c + j, cpj); DL_NAME(st)(h + j, DL_NAME(ld)(hp + j)); }
  }
}

static inline void DL_NAME(lstm_back_row)(const float *z, const float *cp, const float *tc, float *d,
                                          float *gh, float *gc, long u, long j0, long j1, int act) {
  for (long j = j0; j < j1; j += DL_W) {
    VF i = DL_NAME(ld)(z + j), f = DL_NAME(ld)(z + u + j);
    VF g = DL_NAME(ld)(z + 2 * u + j), o = DL_NAME(ld)(z + 3 * u + j);
    VF t = DL_NAME(ld)(tc + j), h = DL_NAME(ld)(gh + j);
    VF dct = DL_NAME(ld)(gc + j) + h * o * DL_NAME(slope)(t, act);
    DL_NAME(st)(d + j, dct * g * i * (1.0f - i));
    DL_NAME(st)(d + u + j, dct * DL_NAME(ld)(cp + j) * f * (1.0f - f));
    DL_NAME(st)(d + 2 * u + j, dct * i * DL_NAME(slope)(g, act));
    DL_NAME(st)(d + 3 * u + j, h * t * o * (1.0f - o));
    DL_NAME(st)(gc + j, dct * f);
    DL_NAME(st)(gh + j, DL_NAME(k)(0));
  }
}

static inline void DL_NAME(gru_row)(float *z, float *q, const float *brec, const float *hp, float *h,
                                    long u, long j0, long j1, int keep, int act) {
  for (long j = j0; j < j1; j += DL_W) {
    VF qz = DL_NAME(ld)(q + j), qr = DL_NAME(ld)(q + u + j), qh = DL_NAME(ld)(q + 2 * u + j);
    if (brec) {
      qz = qz + DL_NAME(ld)(brec + j);
      qr = qr + DL_NAME(ld)(brec + u + j);
      qh = qh + DL_NAME(ld)(brec + 2 * u + j);
      DL_NAME(st)(q + j, qz); DL_NAME(st)(q + u + j, qr); DL_NAME(st)(q + 2 * u + j, qh);
    }
    VF uz = DL_NAME(sigmoid)(DL_NAME(ld)(z + j) + qz);
    VF rr = DL_NAME(sigmoid)(DL_NAME(ld)(z + u + j) + qr);
    VF nn = DL_NAME(act)(DL_NAME(ld)(z + 2 * u + j) + rr * qh, act);
    DL_NAME(st)(z + j, uz); DL_NAME(st)(z + u + j, rr); DL_NAME(st)(z + 2 * u + j, nn);
    VF hpj = DL_NAME(ld)(hp + j);
    DL_NAME(st)(h + j, keep ? uz * hpj + (1.0f - uz) * nn : hpj);
  }
}

static inline void DL_NAME(gru_back_row)(const float *z, const float *q, const float *hp, float *d,
                                         float *e, float *gh, long u, long j0, long j1, int act) {
  for (long j = j0; j < j1; j += DL_W) {
    VF uz = DL_NAME(ld)(z + j), rr = DL_NAME(ld)(z + u + j), nn = DL_NAME(ld)(z + 2 * u + j);
    VF g = DL_NAME(ld)(gh + j);
    VF dn = g * (1.0f - uz) * DL_NAME(slope)(nn, act);
    VF du = g * (DL_NAME(ld)(hp + j) - nn) * uz * (1.0f - uz);
    VF dr = dn * DL_NAME(ld)(q + 2 * u + j) * rr * (1.0f - rr);
    DL_NAME(st)(d + j, du); DL_NAME(st)(d + u + j, dr); DL_NAME(st)(d + 2 * u + j, dn);
    DL_NAME(st)(e + j, du); DL_NAME(st)(e + u + j, dr); DL_NAME(st)(e + 2 * u + j, dn * rr);
    DL_NAME(st)(gh + j, g * uz);
  }
}

#undef VF
#undef VI
