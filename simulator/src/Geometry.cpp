// Exact set operations on strided byte sets (see Geometry.h).
//
// Two regular boxes whose strides, together, form a divisibility chain
// s_1 | s_2 | ... | s_m are written in mixed radix: digit 0 is the byte
// within s_1, digit l the index at stride s_l (radix s_{l+1} / s_l), the top
// digit unbounded. Relative to the first box's base, each box is a short
// list of products of digit intervals (a dimension whose extent crosses
// digits, or a shift that carries, splits a product in two), and products
// intersect and subtract digit by digit. Other pairs are compared run by
// run within their common span.
#include "simulator/src/Geometry.h"

#include <algorithm>
#include <cassert>

namespace lmc::sim::geom {
namespace {

constexpr int kMaxStrides = kMaxDims;    // lattice strides (digits 1..m): a box
                                         // from a product has at most as many dims
constexpr int kMaxDigits = kMaxStrides + 1;
constexpr size_t kMaxProducts = 4096;    // beyond: compare run by run

struct Lattice {
  int m = 0;
  uint64_t sigma[kMaxDigits];  // sigma[0] = 1, sigma[l] = l-th stride
  uint64_t radix[kMaxDigits];  // sigma[l+1] / sigma[l] for l < m
};

// A product of digit intervals [lo, hi) (digits 0..m of a lattice, m < N).
template <int N> struct ProductT {
  int64_t lo[N], hi[N];
};

struct Run {
  uint64_t begin, end;
};

Box runBox(uint64_t b, uint64_t e) {
  Box r;
  r.base = b;
  r.len = e - b;
  r.k = 0;
  return r;
}

bool buildLattice(const Box &p, const Box &a, Lattice &lat) {
  uint64_t all[2 * kMaxDims];
  int n = 0, i = 0, j = 0;
  while (i < p.k || j < a.k) {
    uint64_t v;
    if (j >= a.k || (i < p.k && p.s[i] < a.s[j]))
      v = p.s[i++];
    else if (i >= p.k || a.s[j] < p.s[i])
      v = a.s[j++];
    else {
      v = p.s[i++];
      ++j;
    }
    all[n++] = v;
  }
  if (n > kMaxStrides)
    return false;
  for (int l = 0; l + 1 < n; ++l)
    if (all[l + 1] % all[l] != 0)
      return false;
  lat.m = n;
  lat.sigma[0] = 1;
  for (int l = 0; l < n; ++l)
    lat.sigma[l + 1] = all[l];
  for (int l = 0; l < n; ++l)
    lat.radix[l] = lat.sigma[l + 1] / lat.sigma[l];
  lat.radix[n] = 0;  // unbounded
  return true;
}

int digitOf(const Lattice &lat, uint64_t stride) {
  for (int l = 1; l <= lat.m; ++l)
    if (lat.sigma[l] == stride)
      return l;
  assert(false && "stride not in lattice");
  return -1;
}

// Adds `d` (given as digits) to every element of `b`, splitting b where a
// digit carries; appends the results to `out`.
template <int N>
void shiftProduct(ProductT<N> b, const Lattice &lat, const int64_t *d, int l, int64_t carry,
                  std::vector<ProductT<N>> &out) {
  for (; l < lat.m; ++l) {
    const int64_t r = int64_t(lat.radix[l]);
    int64_t a = b.lo[l] + d[l] + carry, e = b.hi[l] + d[l] + carry;
    if (e <= r) {
      b.lo[l] = a;
      b.hi[l] = e;
      carry = 0;
    } else if (a >= r) {
      b.lo[l] = a - r;
      b.hi[l] = e - r;
      carry = 1;
    } else {
      ProductT<N> c = b;
      c.lo[l] = 0;
      c.hi[l] = e - r;
      shiftProduct(c, lat, d, l + 1, 1, out);
      b.lo[l] = a;
      b.hi[l] = r;
      carry = 0;
    }
  }
  b.lo[lat.m] += d[lat.m] + carry;
  b.hi[lat.m] += d[lat.m] + carry;
  out.push_back(b);
}

// The products of `x` relative to `origin` (x.base - origin = delta).
template <int N>
bool expand(const Box &x, const Lattice &lat, int64_t delta, std::vector<ProductT<N>> &out,
            std::vector<ProductT<N>> &tmp) {
  const int m = lat.m;
  int dig[kMaxDims];
  for (int j = 0; j < x.k; ++j)
    dig[j] = digitOf(lat, x.s[j]);
  out.clear();
  ProductT<N> unit;
  for (int l = 0; l <= m; ++l) {
    unit.lo[l] = 0;
    unit.hi[l] = 1;
  }
  out.push_back(unit);
  for (int c = -1; c < x.k; ++c) {
    const uint64_t count = c < 0 ? x.len : x.n[c];
    const int l = c < 0 ? 0 : dig[c];
    const int h = c + 1 < x.k ? dig[c + 1] - 1 : m;
    // [0, count) over digits l..h, highest digit first.
    uint64_t w[kMaxDigits];
    w[l] = 1;
    for (int t = l; t < h; ++t)
      w[t + 1] = w[t] * lat.radix[t];
    uint64_t rem = count;
    int64_t fix[kMaxDigits];
    // Fast path: the component stays in its own digit.
    if (h == l || count <= lat.radix[l]) {
      for (ProductT<N> &b : out) {
        b.lo[l] = 0;
        b.hi[l] = int64_t(count);
      }
      continue;
    }
    tmp.clear();
    for (int t = h; t >= l; --t) {
      uint64_t q = rem / w[t];
      rem %= w[t];
      if (q > 0) {
        for (const ProductT<N> &b : out) {
          ProductT<N> nb = b;
          for (int u = h; u > t; --u) {
            nb.lo[u] = fix[u];
            nb.hi[u] = fix[u] + 1;
          }
          nb.lo[t] = 0;
          nb.hi[t] = int64_t(q);
          for (int u = l; u < t; ++u) {
            nb.lo[u] = 0;
            nb.hi[u] = int64_t(lat.radix[u]);
          }
          tmp.push_back(nb);
        }
      }
      fix[t] = int64_t(q);
    }
    out.swap(tmp);
    if (out.size() > kMaxProducts)
      return false;
  }
  if (delta != 0) {
    int64_t d[kMaxDigits];
    int64_t v = delta;
    for (int l = 0; l < m; ++l) {
      const int64_t r = int64_t(lat.radix[l]);
      int64_t q = v / r, rr = v % r;
      if (rr < 0) {
        rr += r;
        --q;
      }
      d[l] = rr;
      v = q;
    }
    d[m] = v;
    tmp.clear();
    for (const ProductT<N> &b : out)
      shiftProduct(b, lat, d, 0, 0, tmp);
    out.swap(tmp);
    if (out.size() > kMaxProducts)
      return false;
  }
  return true;
}

template <int N>
bool meets(const ProductT<N> &a, const ProductT<N> &b, int D) {
  for (int l = 0; l < D; ++l)
    if (std::max(a.lo[l], b.lo[l]) >= std::min(a.hi[l], b.hi[l]))
      return false;
  return true;
}

// Appends a \ b (b meets a) as disjoint products.
template <int N>
void subtract(const ProductT<N> &a, const ProductT<N> &b, int D, std::vector<ProductT<N>> &out) {
  ProductT<N> cur = a;
  for (int l = 0; l < D; ++l) {
    if (b.lo[l] > cur.lo[l]) {
      ProductT<N> p = cur;
      p.hi[l] = b.lo[l];
      out.push_back(p);
      cur.lo[l] = b.lo[l];
    }
    if (b.hi[l] < cur.hi[l]) {
      ProductT<N> p = cur;
      p.lo[l] = b.hi[l];
      out.push_back(p);
      cur.hi[l] = b.hi[l];
    }
  }
}

template <int N>
Box toBox(const ProductT<N> &p, const Lattice &lat, uint64_t origin) {
  Box b;
  uint64_t base = origin;
  for (int l = 0; l <= lat.m; ++l)
    base += uint64_t(p.lo[l]) * lat.sigma[l];
  b.base = base;
  b.len = uint64_t(p.hi[0] - p.lo[0]);
  b.k = 0;
  for (int l = 1; l <= lat.m; ++l) {
    uint64_t c = uint64_t(p.hi[l] - p.lo[l]);
    if (c >= 2) {
      b.n[b.k] = c;
      b.s[b.k] = lat.sigma[l];
      ++b.k;
    }
  }
  bool regular = canonicalize(b);
  (void)regular;
  assert(regular);
  return b;
}

template <int N> struct ProductScratch {
  std::vector<ProductT<N>> pa, pb, tmp, diff, next;
};

template <int N> ProductScratch<N> &productScratch() {
  static thread_local ProductScratch<N> s;
  return s;
}

// -1: could not (too many products); 0 disjoint; 1 covered; 2 partial.
template <int N>
int latticeRelateN(const Box &p, const Box &a, const Lattice &lat, Boxes *inter, Boxes *diff,
                   bool testOnly) {
  ProductScratch<N> &s = productScratch<N>();
  if (!expand(p, lat, 0, s.pa, s.tmp) ||
      !expand(a, lat, int64_t(a.base - p.base), s.pb, s.tmp))
    return -1;
  const int D = lat.m + 1;
  bool any = false;
  for (const ProductT<N> &x : s.pa) {
    for (const ProductT<N> &y : s.pb)
      if (meets(x, y, D)) {
        any = true;
        break;
      }
    if (any)
      break;
  }
  if (!any)
    return 0;
  if (testOnly)
    return 2;
  s.diff = s.pa;
  for (const ProductT<N> &y : s.pb) {
    s.next.clear();
    for (const ProductT<N> &x : s.diff) {
      if (meets(x, y, D))
        subtract(x, y, D, s.next);
      else
        s.next.push_back(x);
    }
    s.diff.swap(s.next);
    if (s.diff.size() > kMaxProducts)
      return -1;
  }
  if (s.diff.empty())
    return 1;
  if (diff)
    for (const ProductT<N> &x : s.diff)
      diff->push_back(toBox(x, lat, p.base));
  if (inter)
    for (const ProductT<N> &x : s.pa)
      for (const ProductT<N> &y : s.pb)
        if (meets(x, y, D)) {
          ProductT<N> z;
          for (int l = 0; l < D; ++l) {
            z.lo[l] = std::max(x.lo[l], y.lo[l]);
            z.hi[l] = std::min(x.hi[l], y.hi[l]);
          }
          inter->push_back(toBox(z, lat, p.base));
        }
  return 2;
}

// The lattice of one stride S: a box is up to two rectangles of rows (index
// at stride S, relative to p's base) by columns (bytes within S), a run up to
// four. Same results as the general products, with fixed small arrays.
struct Rect {
  int64_t c0, c1, r0, r1;  // columns [c0, c1) of rows [r0, r1)
};
struct Rects {
  Rect r[64];
  int n = 0;
  bool push(const Rect &x) {
    if (n == 64)
      return false;
    r[n++] = x;
    return true;
  }
};

void rectsOf(const Box &x, int64_t S, int64_t delta, Rects &out) {
  Rect base[2];
  int nb = 0;
  if (x.k == 1) {
    base[nb++] = {0, int64_t(x.len), 0, int64_t(x.n[0])};
  } else {
    const int64_t q = int64_t(x.len) / S, r = int64_t(x.len) % S;
    if (q > 0)
      base[nb++] = {0, S, 0, q};
    if (r > 0)
      base[nb++] = {0, r, q, q + 1};
  }
  int64_t d0 = delta % S, d1 = delta / S;
  if (d0 < 0) {
    d0 += S;
    --d1;
  }
  out.n = 0;
  for (int i = 0; i < nb; ++i) {
    const Rect &b = base[i];
    const int64_t a = b.c0 + d0, e = b.c1 + d0;
    if (e <= S) {
      out.push({a, e, b.r0 + d1, b.r1 + d1});
    } else if (a >= S) {
      out.push({a - S, e - S, b.r0 + d1 + 1, b.r1 + d1 + 1});
    } else {
      out.push({a, S, b.r0 + d1, b.r1 + d1});
      out.push({0, e - S, b.r0 + d1 + 1, b.r1 + d1 + 1});
    }
  }
}

inline bool rectsMeet(const Rect &a, const Rect &b) {
  return std::max(a.c0, b.c0) < std::min(a.c1, b.c1) && std::max(a.r0, b.r0) < std::min(a.r1, b.r1);
}

Box rectBox(const Rect &x, uint64_t S, uint64_t origin) {
  Box b;
  b.base = origin + uint64_t(x.r0) * S + uint64_t(x.c0);
  b.len = uint64_t(x.c1 - x.c0);
  b.k = 0;
  if (x.r1 - x.r0 >= 2) {
    b.n[0] = uint64_t(x.r1 - x.r0);
    b.s[0] = S;
    b.k = 1;
  }
  canonicalize(b);
  return b;
}

int rectRelate(const Box &p, const Box &a, uint64_t stride, Boxes *inter, Boxes *diff,
               bool testOnly) {
  const int64_t S = int64_t(stride);
  Rects pr, ar;
  rectsOf(p, S, 0, pr);
  rectsOf(a, S, int64_t(a.base - p.base), ar);
  bool any = false;
  for (int i = 0; i < pr.n && !any; ++i)
    for (int j = 0; j < ar.n && !any; ++j)
      any = rectsMeet(pr.r[i], ar.r[j]);
  if (!any)
    return 0;
  if (testOnly)
    return 2;
  Rects bufs[2];
  bufs[0].n = pr.n;
  std::copy(pr.r, pr.r + pr.n, bufs[0].r);
  int at = 0;
  for (int j = 0; j < ar.n; ++j) {
    const Rect &y = ar.r[j];
    Rects &cur = bufs[at], &next = bufs[1 - at];
    next.n = 0;
    for (int i = 0; i < cur.n; ++i) {
      const Rect &x = cur.r[i];
      if (!rectsMeet(x, y)) {
        if (!next.push(x))
          return -1;
        continue;
      }
      // x \ y: the columns left and right of y, then the rows above and
      // below y within y's columns (the digit order of the products).
      Rect c = x;
      bool ok = true;
      if (y.c0 > c.c0) {
        ok &= next.push({c.c0, y.c0, c.r0, c.r1});
        c.c0 = y.c0;
      }
      if (y.c1 < c.c1) {
        ok &= next.push({y.c1, c.c1, c.r0, c.r1});
        c.c1 = y.c1;
      }
      if (y.r0 > c.r0) {
        ok &= next.push({c.c0, c.c1, c.r0, y.r0});
        c.r0 = y.r0;
      }
      if (y.r1 < c.r1)
        ok &= next.push({c.c0, c.c1, y.r1, c.r1});
      if (!ok)
        return -1;
    }
    at = 1 - at;
  }
  const Rects &cur = bufs[at];
  if (cur.n == 0)
    return 1;
  if (diff)
    for (int i = 0; i < cur.n; ++i)
      diff->push_back(rectBox(cur.r[i], stride, p.base));
  if (inter)
    for (int i = 0; i < pr.n; ++i)
      for (int j = 0; j < ar.n; ++j)
        if (rectsMeet(pr.r[i], ar.r[j])) {
          const Rect &x = pr.r[i], &y = ar.r[j];
          inter->push_back(rectBox({std::max(x.c0, y.c0), std::min(x.c1, y.c1),
                                    std::max(x.r0, y.r0), std::min(x.r1, y.r1)},
                                   stride, p.base));
        }
  return 2;
}

// Products with as few digits as the lattice needs (copies stay small).
int latticeRelate(const Box &p, const Box &a, const Lattice &lat, Boxes *inter, Boxes *diff,
                  bool testOnly) {
  if (lat.m == 1) {
    int r = rectRelate(p, a, lat.sigma[1], inter, diff, testOnly);
    if (r >= 0)
      return r;
    if (inter)
      inter->clear();
    if (diff)
      diff->clear();
  }
  if (lat.m < 2)
    return latticeRelateN<2>(p, a, lat, inter, diff, testOnly);
  if (lat.m < 4)
    return latticeRelateN<4>(p, a, lat, inter, diff, testOnly);
  return latticeRelateN<kMaxDigits>(p, a, lat, inter, diff, testOnly);
}

struct Scratch {
  std::vector<Run> ra, rb;
};

Scratch &scratch() {
  static thread_local Scratch s;
  return s;
}

// The runs of regular box x that meet [wlo, whi), in address order.
void runsWithin(const Box &x, uint64_t wlo, uint64_t whi, std::vector<Run> &out) {
  uint64_t ext[kMaxDims + 1];  // extent of a block below dim j
  ext[0] = x.len;
  for (int j = 0; j < x.k; ++j)
    ext[j + 1] = ext[j] + (x.n[j] - 1) * x.s[j];
  // Depth-first, highest dim first, in increasing index order.
  auto rec = [&](auto &self, int j, uint64_t base) -> void {
    if (j < 0) {
      out.push_back({base, base + x.len});
      return;
    }
    const uint64_t s = x.s[j], e = ext[j];
    uint64_t iLo = 0;
    if (wlo >= base + e)
      iLo = (wlo - base - e) / s + 1;
    if (whi <= base)
      return;
    uint64_t iHi = std::min<uint64_t>(x.n[j] - 1, (whi - 1 - base) / s);
    for (uint64_t i = iLo; i <= iHi; ++i)
      self(self, j - 1, base + i * s);
  };
  rec(rec, x.k - 1, x.base);
}

// Boxes whose strides do not chain: compare their runs within the common
// span.
int runRelate(const Box &p, const Box &a, Boxes *inter, Boxes *diff, bool testOnly) {
  Scratch &s = scratch();
  const uint64_t wlo = std::max(p.lo(), a.lo()), whi = std::min(p.hi(), a.hi());
  s.ra.clear();
  s.rb.clear();
  runsWithin(p, wlo, whi, s.ra);
  runsWithin(a, wlo, whi, s.rb);
  std::vector<Run> common;
  uint64_t bytes = 0;
  size_t i = 0, j = 0;
  while (i < s.ra.size() && j < s.rb.size()) {
    uint64_t b = std::max(s.ra[i].begin, s.rb[j].begin), e = std::min(s.ra[i].end, s.rb[j].end);
    if (b < e) {
      if (testOnly)
        return 2;
      bytes += e - b;
      if (!common.empty() && common.back().end == b)
        common.back().end = e;
      else
        common.push_back({b, e});
    }
    if (s.ra[i].end < s.rb[j].end)
      ++i;
    else
      ++j;
  }
  if (bytes == 0)
    return 0;
  if (bytes == p.bytes())
    return 1;
  if (inter)
    for (const Run &c : common)
      inter->push_back(runBox(c.begin, c.end));
  if (diff) {
    // p minus a, run by run.
    s.ra.clear();
    runsWithin(p, 0, UINT64_MAX, s.ra);
    size_t k = 0;
    for (const Run &r : s.ra) {
      uint64_t pos = r.begin;
      while (k < common.size() && common[k].end <= pos)
        ++k;
      size_t q = k;
      while (pos < r.end) {
        if (q >= common.size() || common[q].begin >= r.end) {
          diff->push_back(runBox(pos, r.end));
          break;
        }
        if (common[q].begin > pos)
          diff->push_back(runBox(pos, common[q].begin));
        pos = std::max(pos, common[q].end);
        ++q;
      }
    }
  }
  return 2;
}

int relateImpl(const Box &p, const Box &a, Boxes *inter, Boxes *diff, bool testOnly) {
  const uint64_t plo = p.base, phi = p.hi(), alo = a.base, ahi = a.hi();
  if (phi <= alo || ahi <= plo)
    return 0;
  if (a.k == 0 && alo <= plo && phi <= ahi)
    return 1;
  if (p.k == 0 && a.k == 0) {
    if (!testOnly) {
      if (inter)
        inter->push_back(runBox(std::max(plo, alo), std::min(phi, ahi)));
      if (diff) {
        if (plo < alo)
          diff->push_back(runBox(plo, alo));
        if (ahi < phi)
          diff->push_back(runBox(ahi, phi));
      }
    }
    return 2;
  }
  if (p == a)
    return 1;
  // One stride between them (tiles of one pitch, runs): rectangles.
  if (p.k <= 1 && a.k <= 1 && (p.k == 0 || a.k == 0 || p.s[0] == a.s[0])) {
    int r = rectRelate(p, a, p.k ? p.s[0] : a.s[0], inter, diff, testOnly);
    if (r >= 0)
      return r;
    if (inter)
      inter->clear();
    if (diff)
      diff->clear();
  }
  Lattice lat;
  if (buildLattice(p, a, lat)) {
    int r = latticeRelate(p, a, lat, inter, diff, testOnly);
    if (r >= 0)
      return r;
    if (inter)
      inter->clear();
    if (diff)
      diff->clear();
  }
  return runRelate(p, a, inter, diff, testOnly);
}

}  // namespace

void runsOf(const Box &b, std::vector<std::pair<uint64_t, uint64_t>> &out) {
  std::vector<Run> runs;
  runsWithin(b, 0, UINT64_MAX, runs);
  for (const Run &r : runs)
    out.push_back({r.begin, r.end});
}

// The runs of an irregular box (its dims sorted), merged; its span beyond
// kMaxRegionRuns runs.
static void explodeRuns(const Box &b, Boxes &out);

bool canonicalize(Box &b) {
  if (b.k == 1 && b.n[0] > 1 && b.s[0] > b.len)
    return true;  // already canonical
  if (b.k == 0)
    return true;
  // Drop trivial dims, sort by stride, merge equal strides.
  int k = 0;
  for (int j = 0; j < b.k; ++j)
    if (b.n[j] > 1 && b.s[j] != 0) {
      b.n[k] = b.n[j];
      b.s[k] = b.s[j];
      ++k;
    }
  b.k = k;
  for (int x = 1; x < b.k; ++x)
    for (int y = x; y > 0 && b.s[y] < b.s[y - 1]; --y) {
      std::swap(b.s[y], b.s[y - 1]);
      std::swap(b.n[y], b.n[y - 1]);
    }
  k = 0;
  for (int j = 0; j < b.k; ++j) {
    if (k > 0 && b.s[k - 1] == b.s[j]) {
      b.n[k - 1] += b.n[j] - 1;
      continue;
    }
    b.n[k] = b.n[j];
    b.s[k] = b.s[j];
    ++k;
  }
  b.k = k;
  // Contiguous dims into the run.
  int first = 0;
  while (first < b.k && b.s[first] == b.len) {
    b.len *= b.n[first];
    ++first;
  }
  // Adjacent dims that continue each other.
  k = 0;
  for (int j = first; j < b.k; ++j) {
    if (k > 0 && b.s[j] == b.n[k - 1] * b.s[k - 1]) {
      b.n[k - 1] *= b.n[j];
      continue;
    }
    b.n[k] = b.n[j];
    b.s[k] = b.s[j];
    ++k;
  }
  b.k = k;
  if (b.k > 0 && b.s[0] <= b.len)
    return false;
  for (int j = 0; j + 1 < b.k; ++j)
    if (b.n[j] * b.s[j] >= b.s[j + 1])
      return false;
  return true;
}

void regionBoxes(const format::Region &r, Boxes &out) {
  out.resize(1);
  const uint64_t es = format::dtypeSize(static_cast<format::DType>(r.dtype));
  Box &b = out[0];
  int64_t base = int64_t(r.offset);
  b.k = 0;
  for (unsigned d = 0; d < r.rank; ++d) {
    if (r.shape[d] == 0) {
      out.clear();
      return;
    }
    if (r.shape[d] == 1 || r.strides[d] == 0)
      continue;
    int64_t s = r.strides[d] * int64_t(es);
    if (s < 0) {
      base += (r.shape[d] - 1) * s;
      s = -s;
    }
    b.n[b.k] = uint64_t(r.shape[d]);
    b.s[b.k] = uint64_t(s);
    ++b.k;
  }
  b.base = uint64_t(base);
  b.len = es ? es : 1;
  if (canonicalize(b))
    return;
  // Irregular (overlapping or interleaved rows): its runs, merged.
  const Box irregular = b;
  out.clear();
  return explodeRuns(irregular, out);
}

static void explodeRuns(const Box &b, Boxes &out) {
  uint64_t runs = b.runs();
  if (runs > kMaxRegionRuns) {
    out.push_back(runBox(b.base, b.base + b.len + [&] {
      uint64_t e = 0;
      for (int j = 0; j < b.k; ++j)
        e += (b.n[j] - 1) * b.s[j];
      return e;
    }()));
    return;
  }
  std::vector<Run> rs;
  rs.reserve(runs);
  uint64_t idx[kMaxDims] = {};
  for (uint64_t i = 0; i < runs; ++i) {
    uint64_t off = b.base;
    for (int j = 0; j < b.k; ++j)
      off += idx[j] * b.s[j];
    rs.push_back({off, off + b.len});
    for (int j = 0; j < b.k; ++j) {
      if (++idx[j] < b.n[j])
        break;
      idx[j] = 0;
    }
  }
  std::sort(rs.begin(), rs.end(), [](const Run &x, const Run &y) { return x.begin < y.begin; });
  size_t w = 0;
  for (size_t i = 1; i < rs.size(); ++i) {
    if (rs[i].begin <= rs[w].end)
      rs[w].end = std::max(rs[w].end, rs[i].end);
    else
      rs[++w] = rs[i];
  }
  rs.resize(w + 1);
  for (const Run &x : rs)
    out.push_back(runBox(x.begin, x.end));
}

Relation relate(const Box &p, const Box &a, Boxes *inter, Boxes *diff) {
  if (inter)
    inter->clear();
  if (diff)
    diff->clear();
  int r = relateImpl(p, a, inter, diff, false);
  return r == 0 ? Relation::Disjoint : r == 1 ? Relation::Covered : Relation::Partial;
}

bool overlaps(const Box &a, const Box &b) { return relateImpl(a, b, nullptr, nullptr, true) != 0; }

uint64_t firstCommonByte(const Box &p, const Box &a) {
  Boxes inter;
  Relation r = relate(p, a, &inter, nullptr);
  if (r == Relation::Covered)
    return p.base;
  uint64_t best = UINT64_MAX;
  for (const Box &b : inter)
    best = std::min(best, b.base);
  return best;
}

}  // namespace lmc::sim::geom
