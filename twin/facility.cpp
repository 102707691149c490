// The facility side of the engine (docs/sites.md, twin/README.md): each site's weather, grid
// caps, cooling plant, battery, series and meters, and with several sites the campus total;
// the per-site summary figures. Replicated: every rank computes it from the reduced tick.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "io/config_tree.hpp"
#include "power/cap_controller.hpp"
#include "power/grid_cap.hpp"
#include "thermal/cooling_plant.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

// Sites (docs/sites.md): each with its weather, grid signals, meters and battery; without
// `sites:` one implicit site of the top-level sections. The racks of this rank by site.
void Engine::State::setup_sites() {
  if (sc.sites.empty()) {
    io::SiteSpec one;
    one.name = "site";
    one.buildings = static_cast<std::int32_t>(campus.buildings());
    one.racks = campus.racks();
    one.plant = sc.plant;
    one.weather = sc.weather;
    one.grid = sc.grid;
    one.storage = sc.storage;
    site_specs.push_back(std::move(one));
  } else {
    site_specs = sc.sites;
  }
  sites.resize(site_specs.size());
  bool any_storage = false;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    Facility& fa = sites[i];
    const io::SiteSpec& sp = site_specs[i];
    fa.spec = &sp;
    fa.first_node = sp.first_rack * npr;
    fa.nodes = sp.racks * npr;
    // Weather and grid signals (twin/site_signals.hpp).
    fa.weather.emplace(sp.weather, sc.time.start_unix_s);
    fa.carbon_signal.emplace(make_grid_signal(sp.grid.carbon, true));
    fa.price_signal.emplace(make_grid_signal(sp.grid.price, false));
    fa.swing.emplace(dt, sp.grid.swing_window_s);
    fa.facility_ramp.emplace(dt, sp.grid.ramp_limit_w_per_s);
    if (sp.storage) {
      try {
        fa.storage.emplace(sp.storage->battery, sp.storage->policy);
      } catch (const std::invalid_argument& e) {
        const std::string where =
            sc.sites.empty() ? std::string("storage") : "sites[" + std::to_string(i) + "].storage";
        throw io::ScenarioError(sc.source_file + ": " + where + ": " + e.what());
      }
      fa.grid_swing.emplace(dt, sp.grid.swing_window_s);
      fa.grid_ramp.emplace(dt, sp.grid.ramp_limit_w_per_s);
      any_storage = true;
    }
    fa.accelerator_cap_w = sc.power_cap_w;
    fa.several = sites.size() > 1;
  }
  if (sites.size() > 1) {
    Facility& t = campus_total;
    t.swing.emplace(dt, sc.grid.swing_window_s);
    t.facility_ramp.emplace(dt, sc.grid.ramp_limit_w_per_s);
    if (any_storage) {
      t.grid_swing.emplace(dt, sc.grid.swing_window_s);
      t.grid_ramp.emplace(dt, sc.grid.ramp_limit_w_per_s);
    }
  }
  idle_cap_w = sc.power_cap_w;
  rack_site.assign(static_cast<std::size_t>(block.rack_count), 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const std::int64_t rack = block.global_rack(r);
    for (std::size_t i = 0; i < site_specs.size(); ++i)
      if (rack >= site_specs[i].first_rack && rack < site_specs[i].first_rack + site_specs[i].racks)
        rack_site[r] = static_cast<std::int16_t>(i);
  }
}

int Engine::State::site_of_node(std::int64_t node) const {
  for (std::size_t i = 0; i < sites.size(); ++i)
    if (node >= sites[i].first_node && node < sites[i].first_node + sites[i].nodes)
      return static_cast<int>(i);
  return 0;
}

void Engine::State::weather_tick(double t_s) {
  for (Facility& fa : sites) {
    const thermal::WeatherSample ws = fa.weather->sample(t_s);  // held (weather.update_s)
    fa.dry_c = ws.dry_bulb_c;
    fa.wet_c = ws.wet_bulb_c;
  }
}

// The cap in force, and the per-accelerator cap that keeps the worst-case facility power under
// it (every powered accelerator at the cap, node overheads at that load, the plant's facility
// power at that IT power in this tick's weather). The governors then keep each accelerator's
// compute-phase power under it, so the measured facility power cannot exceed the cap.
void Engine::State::grid_tick(double t0_s) {
  const double unix_s = sc.time.start_unix_s + t0_s;
  // Nodes of site i under repair (powered off); only a finite cap needs them.
  const auto repairing = [&](std::size_t i) {
    if (sites.size() == 1) return static_cast<std::int64_t>(control.repairs.size());
    std::int64_t n = 0;
    for (auto copy = control.repairs; !copy.empty(); copy.pop())  // the queue is short
      n += copy.top().second >= sites[i].first_node &&
           copy.top().second < sites[i].first_node + sites[i].nodes;
    return n;
  };
  idle_cap_w = sc.power_cap_w;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    Facility& fa = sites[i];
    const power::GridPolicy& policy = fa.spec->grid.policy;
    fa.carbon_g_per_kwh = fa.carbon_signal->mean_over(unix_s, unix_s + dt);
    fa.facility_cap_w = power::cap_in_force_w(policy, unix_s + 0.5 * dt, fa.carbon_g_per_kwh);
    fa.accelerator_cap_w = sc.power_cap_w;
    if (std::isfinite(fa.facility_cap_w)) {
      power::CapInputs in;
      power::set_accelerator(in, sc.accelerator);
      const std::int64_t powered_nodes = fa.nodes - repairing(i);
      in.facility_cap_w = fa.facility_cap_w;
      in.nodes = powered_nodes;
      in.accelerators = powered_nodes * apn;
      in.accelerator_tdp_w = sc.power_cap_w;
      in.facility_w_of_it = [&](double it_w) {
        return thermal::plant_output(fa.spec->plant, it_w, fa.dry_c, fa.wet_c, &fa.airflow_memo)
            .facility_power_w;
      };
      if (power_tiers.size() <= 1)
        fa.accelerator_cap_w =
            std::min(sc.power_cap_w, power::solve_accelerator_cap(in).accelerator_cap_w);
      else
        tiered_caps(i, in, powered_nodes);
    }
    idle_cap_w = std::min(idle_cap_w, fa.accelerator_cap_w);
  }
  for (auto& job : control.jobs) {
    const Facility& fa = sites[static_cast<std::size_t>(job.site)];
    if (power_tiers.size() <= 1 || !std::isfinite(fa.facility_cap_w))
      job.cap_w = fa.accelerator_cap_w;
    // Over several sites: the job runs in lockstep, so its lowest site's cap holds it all.
    for (const auto& [s, share] : job.site_shares)
      job.cap_w = std::min(job.cap_w, sites[static_cast<std::size_t>(s)].accelerator_cap_w);
    // Power smoothing: stalled accelerators keep a floor of their running activity.
    const power::GridPolicy& policy = fa.spec->grid.policy;
    if (policy.kind == power::PolicyKind::power_smoothing && job.active)
      job.tick.raise_stalled_activity(policy.smoothing_floor_fraction * job.tick.running_activity);
  }
}

// Jobs of several power priorities under a finite facility cap (Workload::power_priority): the
// lowest tier (with the nodes in no job) is capped first, down to the governor's floor, while
// the higher tiers keep the nominal cap; only when that tier's floor is not enough is the next
// tier capped, and so on. Each tier's cap is the same worst-case solve as the single cap, with
// the other tiers' worst-case IT power as `other_it_w`.
void Engine::State::tiered_caps(std::size_t site, power::CapInputs in, std::int64_t powered_nodes) {
  Facility& fa = sites[site];
  const std::size_t n_tiers = power_tiers.size();
  std::vector<std::int64_t> tier_nodes(n_tiers, 0);
  std::int64_t job_nodes = 0;
  for (std::size_t j = 0; j < control.jobs.size(); ++j) {
    const auto& job = control.jobs[j];
    if (!job.active || static_cast<std::size_t>(job.site) != site) continue;
    std::int64_t n = 0;  // its nodes in service (a lender's lent nodes count for the claimer)
    for (std::int64_t node : job.alloc.nodes)
      n += control.node_role[node] == NodeRole::active &&
           control.node_job[node] == static_cast<std::int16_t>(j);
    const auto t = static_cast<std::size_t>(
        std::find(power_tiers.begin(), power_tiers.end(), job.work->power_priority()) -
        power_tiers.begin());
    tier_nodes[t] += n;
    job_nodes += n;
  }
  tier_nodes[0] += std::max<std::int64_t>(powered_nodes - job_nodes, 0);
  std::vector<double> cap(n_tiers, sc.power_cap_w);
  auto tier_it_w = [&](std::size_t t, double cap_w) {
    power::CapInputs part = in;
    part.nodes = tier_nodes[t];
    part.accelerators = tier_nodes[t] * apn;
    part.other_it_w = 0.0;
    return power::worst_case_it_w(part, cap_w);
  };
  for (std::size_t t = 0; t < n_tiers; ++t) {
    power::CapInputs part = in;
    part.nodes = tier_nodes[t];
    part.accelerators = tier_nodes[t] * apn;
    part.other_it_w = 0.0;
    for (std::size_t o = 0; o < n_tiers; ++o)
      if (o != t) part.other_it_w += tier_it_w(o, cap[o]);
    const power::CapResult r = power::solve_accelerator_cap(part);
    cap[t] = std::min(sc.power_cap_w, r.accelerator_cap_w);
    if (!r.infeasible) break;  // this tier's cut is enough; higher tiers keep the nominal cap
  }
  fa.accelerator_cap_w = *std::min_element(cap.begin(), cap.end());
  for (auto& job : control.jobs) {
    if (!job.active || static_cast<std::size_t>(job.site) != site) continue;
    const auto t = static_cast<std::size_t>(
        std::find(power_tiers.begin(), power_tiers.end(), job.work->power_priority()) -
        power_tiers.begin());
    job.cap_w = cap[t];
  }
}

// After the Allreduce (replicated): each site's plant at its reduced IT power, energy, water,
// carbon, cost, swings, and the accounting categories. With several sites the facility series
// and meters are the campus totals (docs/sites.md) and each site has its own under /sites.
void Engine::State::facility_after_reduction(TickReduction& red, double t0_s) {
  const std::int64_t* sums = red.sums();
  const double* maxima = red.maxima();
  series.take_reduced(sums, maxima);
  const double it_w = series.reduced_value(ids.it_power);
  const bool several = sites.size() > 1;
  const double unix_s = sc.time.start_unix_s + t0_s;
  Facility& tot = total();
  thermal::PlantOutput p{};  // the campus's (the site's, with one)
  double carbon_g_per_s = 0.0, cost_usd_per_s = 0.0, price_energy = 0.0, grid_w = 0.0;
  double dry_it = 0.0, wet_it = 0.0, cap_w = 0.0;
  for (Facility& fa : sites) {
    fa.it_w = several ? series.reduced_value(fa.ids.it_power) : it_w;
    fa.plant = thermal::plant_output(fa.spec->plant, fa.it_w, fa.dry_c, fa.wet_c, &fa.airflow_memo);
    fa.supply_c = fa.plant.supply_temperature_c;
    const thermal::PlantOutput& q = fa.plant;
    const double price = fa.price_signal->mean_over(unix_s, unix_s + dt);
    // Storage between the plant and the grid: carbon and cost are charged on what is bought.
    fa.grid_w = fa.storage ? storage_tick(fa, q.facility_power_w, price) : q.facility_power_w;
    const power::TickGridRates rates = fa.ledger.add(fa.grid_w, dt, fa.carbon_g_per_kwh, price);
    fa.carbon_g_per_j_it = fa.it_w > 0 ? rates.carbon_g_per_s / fa.it_w : 0.0;
    p.cooling_power_w += q.cooling_power_w;
    p.facility_power_w += q.facility_power_w;
    p.water_l_per_s += q.water_l_per_s;
    p.heat_removed_from_it_w += q.heat_removed_from_it_w;
    p.heat_rejected_w += q.heat_rejected_w;
    carbon_g_per_s += rates.carbon_g_per_s;
    cost_usd_per_s += rates.cost_usd_per_s;
    price_energy += price * q.facility_power_w * dt;
    grid_w += fa.grid_w;
    dry_it += fa.dry_c * fa.it_w;
    wet_it += fa.wet_c * fa.it_w;
    cap_w += fa.facility_cap_w;
    if (!several) break;
    fa.energy_it_j += fa.it_w * dt;
    fa.energy_facility_j += q.facility_power_w * dt;
    fa.energy_cooling_j += q.cooling_power_w * dt;
    fa.water_l += q.water_l_per_s * dt;
    // The site's own series and meters (with one site they are the facility's, below).
    record_facility_tick(
        fa, {fa.it_w, q.cooling_power_w, q.facility_power_w, q.water_l_per_s, fa.dry_c, fa.wet_c,
             rates.carbon_g_per_s, rates.cost_usd_per_s, price * q.facility_power_w * dt,
             fa.facility_cap_w, fa.accelerator_cap_w});
  }
  if (several) {
    p.supply_temperature_c = kInf;  // not one temperature (each site has its own)
    tot.plant = p;
  }
  for (int c = 0; c < kCategoryCount; ++c) {
    const double ts = from_fixed(sums[slots.cat_time + c], kSecondScale);
    const double ej = from_fixed(sums[slots.cat_energy + c], kJouleScale);
    series.add(ids.cat_time[c], ts);
    acct.time_total[c] += ts;
    series.add(ids.cat_energy[c], ej);
    acct.energy_total[c] += ej;
  }
  acct.throttled_acc_ticks += static_cast<double>(sums[slots.throttled]);
  acct.swing_k_s += from_fixed(sums[slots.swing_time], kSecondScale);
  acct.running_acc_s += from_fixed(sums[slots.running_time], kSecondScale);
  acct.large_cycles += sums[slots.large_cycles];
  acct.large_swing_k.add(sums[slots.large_swing], kSecondScaleInt);
  acct.large_damage_ref_s.add(sums[slots.large_damage], kSecondScaleInt);
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    acct.expected_interruptions[c] += from_fixed(sums[slots.expected + c], kCountScale);
  acct.thermal_trips += sums[slots.trips];
  acct.max_junction_c = std::max(acct.max_junction_c, maxima[slots.max_junction]);
  const double it_j = it_w * dt;
  acct.energy_it_j += it_j;
  acct.energy_facility_j += p.facility_power_w * dt;
  acct.energy_cooling_j += p.cooling_power_w * dt;
  acct.water_l += p.water_l_per_s * dt;
  acct.heat_removed_j += p.heat_removed_from_it_w * dt;
  acct.heat_rejected_j += p.heat_rejected_w * dt;
  // Several sites: the outdoor temperatures weighted by the sites' IT power.
  const double dry_c = several ? (it_w > 0 ? dry_it / it_w : 0.0) : sites[0].dry_c;
  const double wet_c = several ? (it_w > 0 ? wet_it / it_w : 0.0) : sites[0].wet_c;
  if (several && tot.grid_swing) {
    const EngineSeries& fid = tot.ids;
    series.add_time(fid.grid_power, grid_w);
    series.observe_max(fid.grid_max, grid_w);
    series.observe_min(fid.grid_min, grid_w);
    if (!std::isnan(tot.previous_grid_w))
      series.observe_max(fid.grid_ramp_max, std::abs(grid_w - tot.previous_grid_w) / dt);
    tot.previous_grid_w = grid_w;
    tot.grid_swing->observe(grid_w);
    tot.grid_ramp->observe(grid_w);
  }
  record_facility_tick(tot, {it_w, p.cooling_power_w, p.facility_power_w, p.water_l_per_s, dry_c,
                             wet_c, carbon_g_per_s, cost_usd_per_s, price_energy, cap_w,
                             several ? idle_cap_w : sites[0].accelerator_cap_w});
}

// One facility's tick into its series and meters (a site's, or the campus total's).
void Engine::State::record_facility_tick(Facility& fa, const FacilityTick& t) {
  const EngineSeries& id = fa.ids;
  series.add_time(id.cooling_power, t.cooling_w);
  series.add_time(id.facility_power, t.facility_w);
  series.add_ratio(id.pue, t.facility_w * dt, t.it_w * dt);
  series.add_time(id.water, t.water_l_per_s);
  series.add_time(id.outdoor, t.dry_c);
  series.add_time(id.wet_bulb, t.wet_c);
  series.add_time(id.carbon, t.carbon_g_per_s);
  series.add_time(id.cost, t.cost_usd_per_s);
  series.add_ratio(id.price, t.price_energy, t.facility_w * dt);
  series.observe_min(id.cap_min, t.cap_w);
  series.observe_min(id.acc_cap_min, t.accelerator_cap_w);
  series.observe_max(id.facility_max, t.facility_w);
  fa.swing->observe(t.facility_w);
  fa.facility_ramp->observe(t.facility_w);
  fa.cap_exceedance_w = std::max(fa.cap_exceedance_w, t.facility_w - t.cap_w);
}

// A site's battery tick (replicated): the grid draw it leaves, its series and grid meters.
double Engine::State::storage_tick(Facility& fa, double facility_w, double price_per_mwh) {
  const EngineSeries& id = fa.ids;
  const power::BatteryTick& b = fa.battery = fa.storage->step(facility_w, price_per_mwh, dt);
  series.add_time(id.grid_power, b.grid_w);
  series.observe_max(id.grid_max, b.grid_w);
  series.observe_min(id.grid_min, b.grid_w);
  if (!std::isnan(fa.previous_grid_w))
    series.observe_max(id.grid_ramp_max, std::abs(b.grid_w - fa.previous_grid_w) / dt);
  fa.previous_grid_w = b.grid_w;
  series.add_time(id.charge, b.charge_w);
  series.add_time(id.discharge, b.discharge_w);
  series.add_time(id.loss, b.loss_w);
  series.add_ratio(id.limited, b.limited ? 1.0 : 0.0, 1.0);
  fa.grid_swing->observe(b.grid_w);
  fa.grid_ramp->observe(b.grid_w);
  return b.grid_w;
}

// Grid side (docs/sites.md): the ramps of the facility draw (what the grid would see without
// storage) and, with storage, of the grid draw, and the battery's throughput.
void Engine::State::grid_side_figures(Figures& f, const Facility& fa, double grid_energy_j) const {
  const auto ramps = [&](const std::string& prefix, const power::RampMeter& m) {
    f.emplace_back(prefix + "ramp_p50_w_per_s", m.percentile_w_per_s(0.50));
    f.emplace_back(prefix + "ramp_p95_w_per_s", m.percentile_w_per_s(0.95));
    f.emplace_back(prefix + "ramp_p99_w_per_s", m.percentile_w_per_s(0.99));
    f.emplace_back(prefix + "ramp_exceedance_fraction", m.exceedance_fraction());
  };
  ramps("", *fa.facility_ramp);
  if (!fa.grid_swing) return;
  f.emplace_back("energy_grid_j", fa.storage ? fa.storage->grid_energy_j() : grid_energy_j);
  f.emplace_back("grid_peak_demand_w", fa.grid_swing->peak_w());
  f.emplace_back("grid_largest_swing_w", fa.grid_swing->largest_window_swing_w());
  f.emplace_back("grid_largest_step_w", fa.grid_swing->largest_step_w());
  f.emplace_back("grid_largest_ramp_w_per_s", fa.grid_swing->largest_ramp_w_per_s());
  ramps("grid_", *fa.grid_ramp);
  if (const auto& st = fa.storage) {
    const power::BatterySpec& b = st->spec();
    f.emplace_back("storage_energy_charged_j", st->charged_energy_j());
    f.emplace_back("storage_energy_discharged_j", st->discharged_energy_j());
    f.emplace_back("storage_energy_loss_j", st->loss_energy_j());
    f.emplace_back("storage_equivalent_full_cycles",
                   st->discharged_energy_j() / (b.max_energy_j() - b.min_energy_j()));
    f.emplace_back("storage_limited_ticks", static_cast<double>(st->limited_ticks()));
    f.emplace_back("storage_final_soc", st->soc());
    f.emplace_back("storage_energy_balance_error_j", st->energy_balance_error_j());
  }
}

// With several sites: each site's figures (/summary/sites/NAME, docs/sites.md).
std::vector<std::pair<std::string, Figures>> Engine::site_figures() const {
  const State& s = *s_;
  std::vector<std::pair<std::string, Figures>> out;
  if (s.sites.size() < 2) return out;
  for (const Facility& fa : s.sites) {
    Figures f;
    const io::SiteSpec& sp = *fa.spec;
    f.emplace_back("latitude_deg", sp.latitude_deg);
    f.emplace_back("longitude_deg", sp.longitude_deg);
    f.emplace_back("elevation_m", sp.elevation_m);
    f.emplace_back("racks", static_cast<double>(sp.racks));
    f.emplace_back("accelerators", static_cast<double>(fa.nodes * s.apn));
    f.emplace_back("energy_it_j", fa.energy_it_j);
    f.emplace_back("energy_cooling_j", fa.energy_cooling_j);
    f.emplace_back("energy_facility_j", fa.energy_facility_j);
    f.emplace_back("pue_mean", fa.energy_it_j > 0 ? fa.energy_facility_j / fa.energy_it_j : 0.0);
    f.emplace_back("water_l", fa.water_l);
    f.emplace_back("carbon_kg", fa.ledger.carbon_kg());
    f.emplace_back("cost_usd", fa.ledger.cost_usd());
    f.emplace_back("peak_demand_w", fa.swing->peak_w());
    f.emplace_back("largest_swing_w", fa.swing->largest_window_swing_w());
    f.emplace_back("largest_step_w", fa.swing->largest_step_w());
    f.emplace_back("largest_ramp_w_per_s", fa.swing->largest_ramp_w_per_s());
    f.emplace_back("cap_exceedance_w", fa.cap_exceedance_w);
    s.grid_side_figures(f, fa, fa.energy_facility_j);
    out.emplace_back(sp.name, std::move(f));
  }
  return out;
}

}  // namespace ct::twin
