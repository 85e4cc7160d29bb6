// The offline map: Leaflet with no tile layer, the 126 unit boundaries from the server, unit
// names as labels once zoomed in, the named streets of the view once zoomed in further, a
// search box for streets, places and units, the selected unit highlighted, markers for
// incidents (drawn above everything), facilities and resources, and a pick marker for intake.

import { loadBoundaries, session } from "./session.js";
import { label, t } from "./i18n.js";
import { api } from "./api.js";
import { escapeHtml, h, replace } from "./dom.js";
import { errorText } from "./errors.js";
import { clockTime } from "./time.js";

/** Zoom from which the view's streets are drawn. */
const STREET_ZOOM = 14;
/** Zoom from which street and lake names stay on the map. */
const STREET_NAME_ZOOM = 16;
// Water sources are drawn from this zoom on (a district holds thousands).
const WATER_ZOOM = 15;
const WATER_PAGE = 1000;

/** Whether `o` has a usable position (null is not 0: `Number(null)` would place it at 0,0). */
function hasPoint(o) {
  return o.lat != null && o.lon != null && Number.isFinite(Number(o.lat)) && Number.isFinite(Number(o.lon));
}

/** Hanoi's extent, for the first view. */
const HANOI = [
  [20.53, 105.28],
  [21.39, 106.02],
];

/** Zoom from which every unit's name is shown (below it only the selected unit's). */
const LABEL_ZOOM = 12;

export const PRIORITY_COLOURS = { 1: "#b3261e", 2: "#c2410c", 3: "#8a6d00", 4: "#475569" };

/** Fill colour of a unit with `n` open incidents (0 → plain). */
export function loadColour(n) {
  if (!n) return "#f4f1e8";
  if (n === 1) return "#fde4c8";
  if (n <= 3) return "#f9b97a";
  if (n <= 6) return "#ee8a45";
  return "#cf5a1d";
}

/**
 * A map in `el`. Options: `onPick(latlng)` (map click), `onUnitClick(code)`.
 * Returns a controller with `ready` (a promise), `highlight(code)`, `setIncidents(list, onOpen)`,
 * `setFacilities(list)`, `setResources(list)`, `setWaterSources(list)`, `setLoad(counts)`, `pick(lat, lon)`, `destroy()`.
 */
export function createMap(el, options = {}) {
  if (!window.L) {
    el.textContent = t("no_data");
    return stubController();
  }
  const L = window.L;
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", t("map_label"));
  const map = L.map(el, {
    zoomSnap: 0.25,
    minZoom: 8,
    maxZoom: 18,
    attributionControl: false,
    keyboard: true,
  });
  map.fitBounds(HANOI);
  // The Leaflet map, reachable from its element (used by the browser tests to click a place).
  el.binhyenMap = map;
  const unitLayers = new Map();
  const labels = L.layerGroup();
  const labelMarkers = new Map();
  // Streets above the unit polygons; incidents above everything so that they stay visible.
  map.createPane("streets").style.zIndex = 450;
  map.createPane("incidents").style.zIndex = 650;
  const streets = L.layerGroup().addTo(map);
  const incidents = L.layerGroup().addTo(map);
  const facilities = L.layerGroup().addTo(map);
  const resources = L.layerGroup().addTo(map);
  // Resource markers by id (moved in place by live positions), and the trail on show.
  const resourceMarkers = new Map();
  let trail = null;
  const water = L.layerGroup().addTo(map);
  let pickMarker = null;
  let selected = null;
  let load = {};

  /** Whether a resource's drawn position is an old report (the home station never is). */
  function isStale(r) {
    return r.reported && r.staleAt != null && Date.parse(r.staleAt) <= Date.now();
  }

  function resourceIcon(r) {
    const where = !r.reported ? " at-home" : isStale(r) ? " stale" : "";
    return L.divIcon({ className: `resource-marker rs-${r.status}${where}`, iconSize: [14, 14] });
  }

  function resourceTip(r) {
    const base = `${r.callSign} · ${label("resource_status", r.status)}`;
    if (!r.reported) return `${base} · ${t("resource_at_home")}`;
    if (isStale(r)) return `${base} · ${t("resource_position_stale", { time: clockTime(r.positionAt) })}`;
    return base;
  }

  /** Shows (or, clicked again, hides) a resource's trail of the last hour. */
  async function showTrail(r) {
    const same = trail && trail.resourceId === r.id;
    if (trail) trail.layer.remove();
    trail = null;
    if (same) return;
    try {
      const points = await api(`/api/resources/${encodeURIComponent(r.id)}/trail`);
      if (points.length < 2) {
        toastTrail(t("resource_no_trail", { callSign: r.callSign }));
        return;
      }
      const layer = L.polyline(
        points.map((p) => [p.lat, p.lon]),
        { className: "resource-trail", color: "#0b3d91", weight: 3, opacity: 0.8, dashArray: "6 4" },
      ).addTo(resources);
      trail = { resourceId: r.id, layer };
    } catch (e) {
      toastTrail(errorText(e));
    }
  }

  function toastTrail(text) {
    L.popup({ closeButton: false, className: "trail-note" }).setLatLng(map.getCenter()).setContent(escapeHtml(text)).openOn(map);
  }

  const baseStyle = (code) => ({
    color: "#5b6b7f",
    weight: 1,
    opacity: 0.9,
    fillColor: loadColour(load[code] || 0),
    fillOpacity: 0.85,
  });

  function restyle() {
    for (const [code, layer] of unitLayers) {
      const style = baseStyle(code);
      if (code === selected) Object.assign(style, { color: "#0b3d91", weight: 3.5, fillColor: "#dbe8ff", fillOpacity: 0.9 });
      layer.setStyle(style);
      if (code === selected) layer.bringToFront();
    }
    updateLabels();
  }

  function updateLabels() {
    const showAll = map.getZoom() >= LABEL_ZOOM;
    for (const [code, marker] of labelMarkers) {
      const show = showAll || code === selected;
      if (show && !labels.hasLayer(marker)) labels.addLayer(marker);
      if (!show && labels.hasLayer(marker)) labels.removeLayer(marker);
    }
  }
  map.on("zoomend", updateLabels);
  labels.addTo(map);

  map.on("click", (e) => options.onPick && options.onPick(e.latlng));

  // The view's named streets and places, from the server's gazetteer, simplified for the zoom.
  let streetsFor = "";
  let streetsTimer = null;
  // Set by destroy(): timers and fetches that finish after the view was left touch nothing
  // (a removed Leaflet map throws on getBounds()).
  let destroyed = false;
  const note = h("p", { class: "map-note", role: "status", hidden: true });
  const Note = L.Control.extend({ onAdd: () => note });
  new Note({ position: "bottomleft" }).addTo(map);
  async function loadStreets() {
    if (destroyed) return;
    const z = map.getZoom();
    if (z < STREET_ZOOM) {
      streets.clearLayers();
      streetsFor = "";
      note.hidden = true;
      return;
    }
    const b = map.getBounds().pad(0.25);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(4)).join(",");
    const key = `${bbox}@${Math.round(z)}`;
    if (key === streetsFor) return;
    streetsFor = key;
    try {
      const [fc, places] = await Promise.all([
        api(`/api/map/streets?bbox=${bbox}&zoom=${Math.round(z)}`),
        api(`/api/map/places?bbox=${bbox}`),
      ]);
      if (destroyed || key !== streetsFor) return;
      streets.clearLayers();
      // Street names stay on the map once they can be read; below that they show on hover.
      const named = z >= STREET_NAME_ZOOM;
      L.geoJSON(fc, {
        pane: "streets",
        style: { color: "#9a7b4f", weight: z >= 16 ? 4 : 2.5, opacity: 0.85 },
        onEachFeature: (f, l) => {
          const name = f.properties.full_name || f.properties.name;
          l.bindTooltip(escapeHtml(name), named ? { permanent: true, direction: "center", className: "street-label street-name" } : { sticky: true, className: "street-label" });
          l.on("click", (e) => options.onPick && options.onPick(e.latlng));
        },
      }).addTo(streets);
      // Places above the streets; lakes (the only water the data has) drawn as water.
      for (const f of places.features || []) {
        const [lon, lat] = f.geometry.coordinates;
        const water = f.properties.category === "lake";
        L.circleMarker([lat, lon], {
          pane: "streets",
          radius: water ? 9 : 4,
          color: water ? "#2f6fb0" : "#3f5f8a",
          weight: 1,
          fillColor: water ? "#8cc1ec" : "#ffffff",
          fillOpacity: water ? 0.8 : 1,
          className: water ? "place-marker water" : "place-marker",
        })
          .bindTooltip(escapeHtml(f.properties.name), { className: "street-label", permanent: water && named, direction: "center" })
          .on("click", (e) => options.onPick && options.onPick(e.latlng))
          .addTo(streets);
      }
      // Every street of the view is drawn, or the map says how many were left out.
      const props = fc.properties || {};
      note.hidden = !props.truncated;
      if (props.truncated) note.textContent = t("streets_truncated", { shown: (fc.features || []).length, total: props.total });
    } catch {
      streetsFor = "";
    }
  }
  map.on("moveend", () => {
    clearTimeout(streetsTimer);
    streetsTimer = setTimeout(() => {
      loadStreets();
      if (options.water) loadWater();
    }, 150);
  });

  // The registry's water sources in view (option `water`), or how many were left out.
  let waterFor = "";
  const waterNote = h("p", { class: "map-note", role: "status", hidden: true, id: "water-note" });
  const WaterNote = L.Control.extend({ onAdd: () => waterNote });
  if (options.water) new WaterNote({ position: "bottomleft" }).addTo(map);
  async function loadWater() {
    if (destroyed) return;
    if (map.getZoom() < WATER_ZOOM) {
      water.clearLayers();
      waterFor = "";
      waterNote.hidden = true;
      return;
    }
    const b = map.getBounds().pad(0.1);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(4)).join(",");
    if (bbox === waterFor) return;
    waterFor = bbox;
    try {
      const list = await api(`/api/water-sources?bbox=${bbox}&limit=${WATER_PAGE}`);
      const totals = list.length >= WATER_PAGE ? await api(`/api/water-sources/summary?bbox=${bbox}`) : { total: list.length };
      if (destroyed || bbox !== waterFor) return;
      controller.setWaterSources(list);
      waterNote.hidden = totals.total <= list.length;
      if (!waterNote.hidden) waterNote.textContent = t("water_truncated", { shown: list.length, total: totals.total });
    } catch {
      waterFor = "";
    }
  }

  // Search: streets, places and units by name; a hit centres the map (and, at intake, sets
  // the location, so that the unit follows).
  if (options.search) {
    const input = h("input", { type: "search", class: "map-search-input", placeholder: t("map_search"), "aria-label": t("map_search") });
    const results = h("ul", { class: "map-search-results", role: "listbox" });
    const box = h("form", { class: "map-search", role: "search" }, input, results);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    box.addEventListener("submit", async (e) => {
      e.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      try {
        const res = await api(`/api/map/search?q=${encodeURIComponent(q)}&limit=8`);
        const hits = (res.results || []).filter((r) => r.point);
        replace(
          results,
          hits.length
            ? hits.map((r) =>
                h(
                  "li",
                  {},
                  h(
                    "button",
                    {
                      type: "button",
                      class: `map-hit map-hit-${r.kind}`,
                      on: {
                        click: (e) => {
                          // The click is the list's, never the map's (which would set a point).
                          L.DomEvent.stop(e);
                          map.setView([r.point.lat, r.point.lon], r.kind === "unit" ? 14 : 17);
                          if (options.onPick) options.onPick({ lat: r.point.lat, lng: r.point.lon });
                          setTimeout(() => replace(results), 0);
                        },
                      },
                    },
                    r.name,
                    h("small", {}, ` · ${label("map_hit", r.kind)}`),
                  ),
                ),
              )
            : h("li", { class: "map-no-hit" }, t("map_search_none")),
        );
      } catch (err) {
        replace(results, h("li", { class: "map-no-hit" }, errorText(err)));
      }
    });
    const Search = L.Control.extend({ onAdd: () => box });
    new Search({ position: "topright" }).addTo(map);
  }

  const ready = loadBoundaries().then((fc) => {
    if (destroyed) return map;
    const layer = L.geoJSON(fc, {
      style: (f) => baseStyle(f.properties.code),
      onEachFeature: (f, l) => {
        unitLayers.set(f.properties.code, l);
        l.on("click", (e) => {
          if (options.onPick) options.onPick(e.latlng);
          else if (options.onUnitClick) options.onUnitClick(f.properties.code);
        });
      },
    });
    layer.addTo(map);
    layer.bringToBack();
    for (const f of fc.features) {
      const code = f.properties.code;
      const unit = session.units.get(code);
      const at = unit ? [unit.label_lat, unit.label_lon] : layerCenter(unitLayers.get(code));
      const name = unit ? unit.name : f.properties.name;
      const marker = L.marker(at, {
        icon: L.divIcon({ className: "unit-label", html: "", iconSize: null }),
        interactive: false,
        keyboard: false,
      });
      marker.on("add", () => {
        const node = marker.getElement();
        if (node) node.textContent = name;
      });
      labelMarkers.set(code, marker);
    }
    restyle();
    return map;
  });

  function layerCenter(layer) {
    return layer ? layer.getBounds().getCenter() : map.getCenter();
  }

  const controller = {
    map,
    ready,
    /** Highlights a unit and fits the map to it (`null`: the whole city). */
    highlight(code, fit = true) {
      selected = code || null;
      return ready.then(() => {
        if (destroyed) return;
        restyle();
        const layer = selected && unitLayers.get(selected);
        if (fit) {
          if (layer) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15 });
          else map.fitBounds(HANOI);
        }
      });
    },
    /** Shades units by open incidents: `{unit_code: count}`. */
    setLoad(counts) {
      load = counts || {};
      ready.then(() => destroyed || restyle()).catch(() => {});
    },
    /** Draws incident markers; `onOpen(inc)` is called on click. */
    setIncidents(list, onOpen) {
      incidents.clearLayers();
      for (const inc of list) {
        if (!hasPoint(inc)) continue;
        const m = L.circleMarker([inc.lat, inc.lon], {
          radius: inc.priority === 1 ? 9 : 7,
          color: "#ffffff",
          weight: 2,
          fillColor: PRIORITY_COLOURS[inc.priority] || PRIORITY_COLOURS[4],
          fillOpacity: 1,
          className: `incident-marker p${inc.priority}`,
          pane: "incidents",
        });
        m.bindTooltip(escapeHtml(`${inc.number} · ${label("kind", inc.kind)}`));
        m.on("click", (e) => {
          L.DomEvent.stopPropagation(e);
          onOpen && onOpen(inc);
        });
        incidents.addLayer(m);
      }
    },
    /** Draws facility markers (squares). */
    setFacilities(list) {
      facilities.clearLayers();
      for (const f of list) {
        if (!hasPoint(f)) continue;
        const m = L.marker([f.lat, f.lon], {
          icon: L.divIcon({ className: "facility-marker", iconSize: [12, 12] }),
          keyboard: false,
        });
        m.bindTooltip(escapeHtml(f.name));
        facilities.addLayer(m);
      }
    },
    /** Draws water sources (`WaterSourceView`) as blue drops, usable ones filled. */
    setWaterSources(list) {
      water.clearLayers();
      for (const w of list) {
        if (!hasPoint(w)) continue;
        const usable = w.status === "usable";
        const m = L.circleMarker([w.lat, w.lon], {
          radius: 6,
          color: "#1d5fa8",
          weight: 2,
          fillColor: usable ? "#4a9be8" : "#ffffff",
          fillOpacity: 1,
          className: `water-marker ${w.status}`,
        });
        m.bindTooltip(escapeHtml(`${label("water_kind", w.kind)} · ${w.name}${usable ? "" : ` · ${label("water_status", w.status)}`}`));
        water.addLayer(m);
      }
    },
    /** Draws resource markers (triangles); a click shows the resource's last hour of trail. */
    setResources(list) {
      resources.clearLayers();
      resourceMarkers.clear();
      trail = null;
      for (const r of list) {
        if (!hasPoint(r)) continue;
        const m = L.marker([r.lat, r.lon], { icon: resourceIcon(r), keyboard: false });
        m.bindTooltip(() => escapeHtml(resourceTip(r)));
        m.on("click", () => showTrail(r));
        resources.addLayer(m);
        resourceMarkers.set(String(r.id), { marker: m, resource: r });
      }
    },
    /** Moves resources to the positions of a `resource.positions` event. */
    moveResources(positions) {
      for (const p of positions) {
        const drawn = resourceMarkers.get(String(p.id));
        if (!drawn || !hasPoint(p)) continue;
        Object.assign(drawn.resource, {
          lat: p.lat,
          lon: p.lon,
          reported: true,
          positionAt: p.at,
          staleAt: p.stale_at,
        });
        drawn.marker.setLatLng([p.lat, p.lon]);
        drawn.marker.setIcon(resourceIcon(drawn.resource));
      }
    },
    /** Marks the positions that stopped being live since they were drawn. */
    refreshStale() {
      for (const { marker, resource } of resourceMarkers.values()) {
        const stale = isStale(resource);
        if (stale !== marker.options.icon.options.className.includes(" stale")) {
          marker.setIcon(resourceIcon(resource));
        }
      }
    },
    /** Places (or moves) the intake pick marker. */
    pick(lat, lon) {
      if (pickMarker) pickMarker.setLatLng([lat, lon]);
      else {
        pickMarker = L.circleMarker([lat, lon], {
          radius: 10,
          color: "#0b3d91",
          weight: 3,
          fillColor: "#ffffff",
          fillOpacity: 0.9,
          className: "pick-marker",
        }).addTo(map);
      }
    },
    /** Removes the pick marker. */
    clearPick() {
      if (pickMarker) pickMarker.remove();
      pickMarker = null;
    },
    /** Centres on a point. */
    focus(lat, lon, zoom = 15) {
      map.setView([lat, lon], zoom);
    },
    invalidate() {
      map.invalidateSize();
    },
    destroy() {
      destroyed = true;
      clearTimeout(streetsTimer);
      map.stop();
      map.remove();
    },
  };
  return controller;
}

function stubController() {
  const noop = () => {};
  return {
    ready: Promise.resolve(null),
    highlight: () => Promise.resolve(),
    setLoad: noop,
    setIncidents: noop,
    setFacilities: noop,
    setResources: noop,
    setWaterSources: noop,
    pick: noop,
    clearPick: noop,
    focus: noop,
    invalidate: noop,
    destroy: noop,
  };
}
