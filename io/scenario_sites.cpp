// The scenario's `sites:` (docs/sites.md: each site's campus, cooling, weather, grid and
// storage over the top-level defaults) and `links:` between them.
#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "io/scenario_sections.hpp"

namespace ct::io::sections {

// `sites:` (docs/sites.md): the top-level cooling, weather and grid are defaults; each site's
// own sections are merged over them (the merge rule of `extends`) before binding, so a site's
// resolved sections are complete and load again unchanged.
void merge_site_defaults(ConfigNode& root) {
  const ConfigNode* sites = root.find("sites");
  if (!sites || sites->kind != ConfigNode::Kind::sequence) return;
  // `campus: {buildings: null}` drops the buildings a base scenario (`extends`) lists.
  if (const ConfigPtr campus = root.find_shared("campus"))
    if (const ConfigNode* b = campus->find("buildings"); b && b->kind == ConfigNode::Kind::null)
      campus->erase("buildings");
  for (const auto& item : sites->items) {
    if (!item || item->kind != ConfigNode::Kind::map) continue;
    // time_zone: the site's local time for its weather's daily cycle (standard time) and its
    // demand-response windows (with daylight saving), unless its own sections give them.
    if (const ConfigNode* tz = item->find("time_zone"); tz && tz->kind == ConfigNode::Kind::map)
      for (const char* key : {"utc_offset_h", "daylight_saving"})
        if (const ConfigPtr value = tz->find_shared(key))
          for (const char* section : {"weather", "grid"}) {
            if (std::string(key) == "daylight_saving" && std::string(section) == "weather")
              continue;  // the weather follows the sun: standard time
            ConfigPtr own = item->find_shared(section);
            if (!own) {
              own = std::make_shared<ConfigNode>();
              own->kind = ConfigNode::Kind::map;
              own->origin = value->origin;
              item->set(section, own, value->origin);
            }
            if (own->kind == ConfigNode::Kind::map && !own->find(key))
              own->set(key, value->clone(), value->origin);
          }
    for (const char* section : {"cooling", "weather", "grid"}) {
      const ConfigPtr top = root.find_shared(section);
      if (!top || top->kind != ConfigNode::Kind::map) continue;
      ConfigPtr merged = top->clone();
      const ConfigPtr own = item->find_shared(section);
      if (own) merge_into(*merged, *own);
      const Origin* at = own ? item->key_origin(section) : root.key_origin(section);
      item->set(section, merged, at ? *at : top->origin);
    }
  }
}

bool same_racks(const Scenario& a, const Scenario& b) {
  const auto& x = a.air_rack;
  const auto& y = b.air_rack;
  return x.cooling_capacity_w == y.cooling_capacity_w &&
         x.recirculation_top_k == y.recirculation_top_k && x.row_end_k == y.row_end_k &&
         x.design_air_rise_k == y.design_air_rise_k &&
         a.liquid_rack.coolant_flow_kg_per_s == b.liquid_rack.coolant_flow_kg_per_s &&
         a.liquid_rack.coolant_heat_capacity_j_per_kg_k ==
             b.liquid_rack.coolant_heat_capacity_j_per_kg_k;
}

void bind_link(Binder& b, Scenario& sc) {
  std::vector<std::string> names;
  for (const SiteSpec& st : sc.sites) names.push_back(st.name);
  const std::vector<std::size_t> two = b.names("between", 2, names, "the two sites the link joins");
  LinkSpec l;
  l.a = static_cast<std::int32_t>(two[0]);
  l.b = static_cast<std::int32_t>(two[1]);
  if (sc.link_between(l.a, l.b))
    b.fail("between", "a link between " + names[two[0]] + " and " + names[two[1]] +
                          " is already given (allowed: one per pair)");
  const SiteSpec& x = sc.sites[two[0]];
  const SiteSpec& y = sc.sites[two[1]];
  const double great_circle_m = topology::great_circle_distance_m(
      {x.latitude_deg, x.longitude_deg}, {y.latitude_deg, y.longitude_deg});
  topology::LongHaulLink& k = l.link;
  b.real("distance_m", k.distance_m, closed(0.0, 2.1e7), great_circle_m,
         "straight distance between the sites (default: the great circle between their "
         "locations)");
  b.document_default("distance_m", "the great circle between the sites' locations");
  keep(b, "route_factor", k.route_factor, closed(1.0, 10.0),
       "fibre route length / distance (fibre is laid along roads and rails)");
  keep(b, "bandwidth_bytes_per_s", k.bandwidth_bytes_per_s, Range{0.0, 1e15, true, false},
       "bandwidth one direction that the jobs may use");
  keep(b, "hops", k.hops, closed(0, 1000), "routers on the route");
  keep(b, "hop_latency_s", k.hop_latency_s, closed(0.0, 1e-2), "latency per router traversal");
  keep(b, "edge_latency_s", k.edge_latency_s, closed(0.0, 1e-1),
       "both ends: NICs and site fabric up to the edge routers");
  sc.links.push_back(l);
}

void bind_site(Binder& b, Scenario& sc, const std::string& scenario_path) {
  SiteSpec site;
  b.text("name", site.name, std::nullopt,
         "site name ([A-Za-z0-9_-]+, unique): its output group /sites/NAME and report label");
  const bool good_name =
      !site.name.empty() && site.name.size() <= 64 &&
      std::all_of(site.name.begin(), site.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
      });
  if (!good_name) b.fail("name", "'" + site.name + "' (allowed: 1 to 64 of A-Z a-z 0-9 _ -)");
  for (const SiteSpec& other : sc.sites)
    if (other.name == site.name) b.fail("name", "duplicate site name '" + site.name + "'");
  b.section(
      "location",
      [&](Binder& l) {
        l.real("latitude_deg", site.latitude_deg, closed(-90.0, 90.0), 0.0,
               "latitude, degrees north");
        l.real("longitude_deg", site.longitude_deg, closed(-180.0, 180.0), 0.0,
               "longitude, degrees east");
        l.real("elevation_m", site.elevation_m, closed(-500.0, 9000.0), 0.0,
               "elevation above sea level");
      },
      false, "where the site is (reported; long-haul links between sites)");
  b.section(
      "time_zone",
      [&](Binder& t) {
        double offset_h = 0.0;
        t.real("utc_offset_h", offset_h, closed(-14.0, 14.0), 0.0,
               "local standard time − UTC (h): the default of the site's weather.utc_offset_h "
               "(daily cycle) and grid.utc_offset_h (demand-response windows)");
        std::string rule;
        t.choice("daylight_saving", rule, {"none", "us", "eu"}, std::string("none"),
                 "the default of the site's grid.daylight_saving (its demand-response windows' "
                 "clock; the weather keeps standard time)");
      },
      false, "the site's local time");
  site.first_building = static_cast<std::int32_t>(sc.campus.buildings.size());
  for (const auto& bs : sc.campus.buildings)
    site.first_rack += std::int64_t{bs.halls} * bs.racks_per_hall;
  b.section(
      "campus",
      [&](Binder& c) {
        c.set_catalogue(nullptr);  // the keys of campus.buildings[], documented there
        bind_buildings(c, sc.campus);
      },
      true,
      "the site's buildings (nodes_per_rack, accelerators_per_node and the rack cooling are "
      "campus-wide, in the top-level campus)");
  site.buildings = static_cast<std::int32_t>(sc.campus.buildings.size()) - site.first_building;
  for (std::size_t i = static_cast<std::size_t>(site.first_building);
       i < sc.campus.buildings.size(); ++i)
    site.racks +=
        std::int64_t{sc.campus.buildings[i].halls} * sc.campus.buildings[i].racks_per_hall;
  {
    Scenario scratch;  // the site's plant; the rack models stay the campus's
    scratch.campus.cooling = sc.campus.cooling;
    scratch.air_rack = sc.air_rack;
    scratch.liquid_rack = sc.liquid_rack;
    b.section(
        "cooling",
        [&](Binder& c) {
          c.set_catalogue(nullptr);  // the keys of the top-level cooling, documented there
          bind_cooling(c, scratch);
        },
        false, "the site's cooling plant (the top-level cooling merged under it)");
    if (!same_racks(scratch, sc))
      b.fail("cooling",
             "air_rack and liquid_rack are campus-wide: set them in the top-level "
             "cooling, not per site");
    site.plant = scratch.plant;
  }
  b.section(
      "weather",
      [&](Binder& w) {
        w.set_catalogue(nullptr);
        bind_weather(w, site.weather, scenario_path, sc.time.start_unix_s);
      },
      false, "the site's outdoor weather (the top-level weather merged under it)");
  b.section(
      "grid",
      [&](Binder& g) {
        g.set_catalogue(nullptr);
        bind_grid(g, site.grid, scenario_path);
      },
      false,
      "the site's grid connection, carbon, price, demand response (the top-level grid merged "
      "under it)");
  if (b.has("storage")) {
    site.storage.emplace();
    b.section(
        "storage",
        [&](Binder& st) {
          st.set_catalogue(nullptr);
          bind_storage(st, *site.storage);
        },
        false, "a battery at the site (docs/sites.md). Absent: none");
  }
  sc.sites.push_back(std::move(site));
}

}  // namespace ct::io::sections
