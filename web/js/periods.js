// Reporting periods as the statistics page offers them, computed in Vietnam time: the police
// reporting month (15th to 14th) and what follows from it, and the part of a series that has
// already happened.

/** Today's date in Vietnam as {y, m, d}. */
function vnToday(now = Date.now()) {
  const d = new Date(now + 7 * 3600 * 1000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
}

/**
 * The periods offered, as the server's period codes. A police reporting month M runs from the
 * 15th of M-1 to the 14th of M, so from the 15th on the current reporting month is the next
 * calendar month's; quarters, halves, 9 months and the year follow from it.
 */
export function periodChoices(now = Date.now()) {
  const today = vnToday(now);
  let { y, m } = today;
  if (today.d >= 15) {
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  const prevY = m === 1 ? y - 1 : y;
  const prevM = m === 1 ? 12 : m - 1;
  const p2 = (n) => String(n).padStart(2, "0");
  return [
    { code: `R${y}-${p2(m)}`, key: "period_month" },
    { code: `R${prevY}-${p2(prevM)}`, key: "period_prev_month" },
    { code: `R${y}-Q${Math.ceil(m / 3)}`, key: "period_quarter" },
    { code: `R${y}-H${m <= 6 ? 1 : 2}`, key: "period_half" },
    { code: `R${y}-9M`, key: "period_9m" },
    { code: `R${y}`, key: "period_year" },
    { code: "custom", key: "period_custom" },
  ];
}

/** Drops the buckets of a series that start after today: the future is not zero, it is not yet. */
export function pastBuckets(series, now = Date.now()) {
  const { y, m, d } = vnToday(now);
  const today = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const keep = (series.buckets || []).map((b) => String(b.from ?? "") <= today);
  return {
    labels: (series.buckets || []).filter((_, i) => keep[i]).map((b) => String(b.from ?? "").slice(5, 10).split("-").reverse().join("/")),
    totals: (series.totals || []).filter((_, i) => keep[i]).map(Number),
  };
}
