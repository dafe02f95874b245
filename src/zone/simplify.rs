//! Simplifying long rings before growing them (see "Long rings" in [`super::grow`]).
//!
//! An iterative (explicit stack, no recursion) Ramer–Douglas–Peucker on a closed ring: the
//! kept vertices are a subset of the ring's, in order, and every dropped vertex lies within
//! the tolerance of the segment between the kept vertices around it (distance to the
//! *segment*, not its line). Cost: each level of splitting scans every vertex of the chains
//! it splits once, so O(n log n) when the splits are balanced, O(n m) at worst for `m` kept
//! vertices.

use geo::Coord;

/// Squared distance from `p` to the segment `a b` (to its nearer end beyond the ends).
fn seg_dist2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (px, py) = (p.x - a.x, p.y - a.y);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        ((px * dx + py * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (px - t * dx, py - t * dy);
    ex * ex + ey * ey
}

/// Ramer–Douglas–Peucker on the closed ring `ring` (first position repeated last, no
/// consecutive repeated positions) at tolerance `tol`: the kept positions as a closed ring,
/// or `None` when fewer than 3 vertices would be kept (the ring is within `tol` of a
/// segment). Every vertex of `ring`, and so every edge (the tolerance region of a segment is
/// convex), is within `tol` of the simplified edge that replaces its chain, up to the
/// rounding of one squared distance (callers leave a margin for that).
pub(crate) fn simplify_ring(ring: &[Coord<f64>], tol: f64) -> Option<Vec<Coord<f64>>> {
    let pts = ring.strip_suffix(&ring[..1]).unwrap_or(ring);
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let tol2 = tol * tol;
    // Index `n` stands for vertex 0 again (the ring closes).
    let at = |i: usize| pts[if i == n { 0 } else { i }];
    // Split the ring first at vertex 0 and the vertex farthest from it.
    let far = (1..n)
        .max_by(|&i, &j| {
            let (a, b) = (at(i) - pts[0], at(j) - pts[0]);
            (a.x * a.x + a.y * a.y).total_cmp(&(b.x * b.x + b.y * b.y))
        })
        .unwrap_or(1);
    let mut keep = vec![false; n + 1];
    keep[0] = true;
    keep[far] = true;
    keep[n] = true;
    let mut stack = vec![(0usize, far), (far, n)];
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (a, b) = (at(i), at(j));
        let mut best = (0.0f64, i);
        for (k, &p) in pts.iter().enumerate().take(j).skip(i + 1) {
            let d = seg_dist2(p, a, b);
            if d > best.0 {
                best = (d, k);
            }
        }
        if best.0 > tol2 {
            let k = best.1;
            keep[k] = true;
            stack.push((i, k));
            stack.push((k, j));
        }
    }
    let out: Vec<Coord<f64>> = (0..=n).filter(|&i| keep[i]).map(at).collect();
    // Closed: at least 3 distinct vertices plus the closing one.
    (out.len() >= 4).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn square_with_a_noisy_edge() {
        let mut ring = vec![c(0.0, 0.0)];
        for k in 1..100 {
            let y = if k % 2 == 0 { 0.4 } else { -0.4 };
            ring.push(c(k as f64, y));
        }
        ring.extend([c(100.0, 0.0), c(100.0, 100.0), c(0.0, 100.0), c(0.0, 0.0)]);
        let s = simplify_ring(&ring, 0.5).unwrap();
        assert_eq!(
            s,
            vec![
                c(0.0, 0.0),
                c(100.0, 0.0),
                c(100.0, 100.0),
                c(0.0, 100.0),
                c(0.0, 0.0)
            ]
        );
        // Below the noise every vertex stays.
        assert_eq!(simplify_ring(&ring, 0.3).unwrap().len(), ring.len());
    }

    #[test]
    fn distance_is_to_the_segment() {
        // On the line of the segment but 5 beyond its end.
        assert_eq!(seg_dist2(c(15.0, 0.0), c(0.0, 0.0), c(10.0, 0.0)), 25.0);
        assert_eq!(seg_dist2(c(5.0, 3.0), c(0.0, 0.0), c(10.0, 0.0)), 9.0);
        assert_eq!(seg_dist2(c(3.0, 4.0), c(0.0, 0.0), c(0.0, 0.0)), 25.0);
    }

    #[test]
    fn tiny_ring_collapses() {
        let ring = vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 0.1), c(0.0, 0.0)];
        assert_eq!(simplify_ring(&ring, 5.0), None);
    }
}
