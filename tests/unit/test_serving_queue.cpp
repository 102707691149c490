// The request stream and the deployment simulator (serving/): M/D/1 waiting time against the
// closed form, the daily arrival profile, deterministic percentiles, failures and retries,
// autoscaling, and a restart round trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "common/archive.hpp"
#include "serving/deployment.hpp"

namespace ct::serving {
namespace {

// A small dense model on one accelerator with no KV traffic: every decode step takes the same
// time, so a request's service time is deterministic.
DeploymentSpec fixed_service(double rate_per_s, std::int64_t replicas, std::int64_t max_batch) {
  DeploymentSpec d;
  d.model.parameters = 1e9;
  d.model.active_parameters = 1e9;
  d.model.layers = 16;
  d.model.hidden_size = 2048;
  d.model.kv_bytes_per_token = 0.0;
  d.hardware.tp = 1;
  d.hardware.peak_flops = 989.4e12;
  d.hardware.hbm_bandwidth_bytes_per_s = 3.35e12;
  d.hardware.hbm_bytes = 80e9;
  d.replicas = replicas;
  d.min_replicas = replicas;
  d.max_batch = max_batch;
  d.autoscale.enabled = false;
  d.arrivals.rate_per_s = rate_per_s;
  d.arrivals.prompt.kind = LengthDist::Kind::fixed;
  d.arrivals.prompt.value = 200;
  d.arrivals.output.kind = LengthDist::Kind::fixed;
  d.arrivals.output.value = 50;
  return d;
}

double service_s(const DeploymentSpec& d) {
  return prefill_step(d.model, d.hardware, 200).time_s(1.0) +
         49 * decode_step(d.model, d.hardware, 1, 0).time_s(1.0);
}

void run(Deployment& dep, double from_s, double to_s, double tick_s = 1.0) {
  for (double t = from_s; t < to_s - 1e-9; t += tick_s) dep.advance(t, t + tick_s, 1.0, 1 << 20);
}

TEST(ServingQueue, MD1MeanWaitWithinTheEnsembleInterval) {
  // Poisson arrivals, one server, deterministic service D: W_q = ρ·D / (2(1 − ρ)) (M/D/1,
  // Pollaczek–Khinchine with zero service variance).
  const double rho = 0.3;
  DeploymentSpec d = fixed_service(1.0, 1, 1);
  const double D = service_s(d);
  d.arrivals.rate_per_s = rho / D;
  const double expected = rho * D / (2.0 * (1.0 - rho));
  std::vector<double> means;
  double busy = 0.0, horizon = 0.0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    Deployment dep(d, seed, 0);
    const double span = 4000.0 * D / rho;  // ≈ 4,000 requests
    for (double t = 0; t < span; t += 1.0) {
      dep.advance(t, t + 1.0, 1.0, 1);
      for (const ReplicaTick& u : dep.tick_use()) busy += u.prefill_s + u.decode_s;
    }
    horizon += std::ceil(span);
    const ServiceStats& s = dep.run_stats();
    means.push_back(s.wait_sum_s / static_cast<double>(s.wait_n));
  }
  const auto n = static_cast<double>(means.size());
  double mean = 0, var = 0;
  for (double m : means) mean += m / n;
  for (double m : means) var += (m - mean) * (m - mean) / (n - 1);
  const double ci95 = 1.96 * std::sqrt(var / n);
  EXPECT_NEAR(mean, expected, ci95)
      << "D " << D << " mean wait " << mean << " expected " << expected << " ± " << ci95;
  EXPECT_NEAR(busy / horizon, rho, 0.01);  // utilisation
}

TEST(ServingQueue, DailyProfileShapesArrivals) {
  ArrivalSpec a;
  a.rate_per_s = 2.0;
  a.daily_amplitude = 0.5;
  a.peak_s_of_day = 14 * 3600;
  ArrivalSource src(&a, 7, 0);
  std::vector<int> per_hour(24, 0);
  std::int64_t n = 0;
  for (Request r = src.next(); r.arrival_s < 86400.0; r = src.next()) {
    ++per_hour[static_cast<int>(r.arrival_s / 3600)];
    ++n;
  }
  // Total: Poisson with mean λ̄·day = 172,800 (σ ≈ 416).
  EXPECT_NEAR(static_cast<double>(n), 172800.0, 4 * 416.0);
  // Hour 14 holds the peak, hour 2 the trough: mean rates λ̄(1 ± α·sinc) ≈ 2·(1 ± 0.499).
  EXPECT_NEAR(per_hour[14] / 3600.0, 2.0 * (1 + 0.5 * 0.9971), 0.1);
  EXPECT_NEAR(per_hour[2] / 3600.0, 2.0 * (1 - 0.5 * 0.9971), 0.1);
  // The same seed and deployment give the same stream; another deployment another one.
  ArrivalSource again(&a, 7, 0), other(&a, 7, 1);
  EXPECT_EQ(again.next().arrival_s, ArrivalSource(&a, 7, 0).next().arrival_s);
  EXPECT_NE(other.next().arrival_s, ArrivalSource(&a, 7, 0).next().arrival_s);
}

TEST(ServingQueue, LengthDistributions) {
  LengthDist ln;
  ln.kind = LengthDist::Kind::lognormal;
  ln.value = 300;
  ln.sigma = 0.7;
  ln.min = 1;
  ln.max = 100000;
  ArrivalSpec a;
  a.prompt = ln;
  a.output.kind = LengthDist::Kind::uniform;
  a.output.min = 10;
  a.output.max = 20;
  a.rate_per_s = 1.0;
  ArrivalSource src(&a, 3, 0);
  std::vector<double> p;
  double out_mean = 0.0;
  for (int i = 0; i < 20000; ++i) {
    const Request r = src.next();
    p.push_back(r.prompt_tokens);
    ASSERT_GE(r.output_tokens, 10);
    ASSERT_LE(r.output_tokens, 20);
    out_mean += r.output_tokens / 20000.0;
  }
  std::nth_element(p.begin(), p.begin() + 10000, p.end());
  EXPECT_NEAR(p[10000], 300.0, 300.0 * 0.03);  // median of the lognormal
  EXPECT_NEAR(out_mean, 15.0, 0.1);
  EXPECT_NEAR(ln.mean(), 300.0 * std::exp(0.245), 1e-9);
}

TEST(ServingQueue, HistogramQuantilesWithinTheBinWidth) {
  LogHistogram h;
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) {
    const double x = 0.001 * std::pow(1.01, i);
    v.push_back(x);
    h.add(x);
  }
  std::sort(v.begin(), v.end());
  for (double q : {0.5, 0.9, 0.99}) {
    const double exact = v[static_cast<std::size_t>(std::ceil(q * 1000)) - 1];
    EXPECT_NEAR(h.quantile(q) / exact, 1.0, 0.012) << q;
  }
  EXPECT_TRUE(std::isnan(LogHistogram{}.quantile(0.5)));
}

TEST(ServingQueue, TraceCsvErrorsNameTheLine) {
  std::istringstream good(
      "# a trace\narrival_s,prompt_tokens,output_tokens\n0.5,100,20\n1.0, 7, 3\n");
  const auto rows = parse_trace_csv(good, "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].prompt_tokens, 7);
  std::istringstream back("arrival_s,prompt_tokens,output_tokens\n2,1,1\n1,1,1\n");
  try {
    parse_trace_csv(back, "t.csv");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:3"), std::string::npos) << e.what();
  }
  std::istringstream zero("arrival_s,prompt_tokens,output_tokens\n2,0,1\n");
  EXPECT_THROW(parse_trace_csv(zero, "t.csv"), std::runtime_error);
  std::istringstream header("time,prompt,output\n");
  EXPECT_THROW(parse_trace_csv(header, "t.csv"), std::runtime_error);
}

TEST(ServingQueue, ReplicaTimeClosesAndLightLoadTtftIsThePrefill) {
  DeploymentSpec d = fixed_service(0.5, 4, 8);
  Deployment dep(d, 11, 0);
  for (double t = 0; t < 600; t += 1.0) {
    dep.advance(t, t + 1.0, 1.0, 8);
    for (const ReplicaTick& u : dep.tick_use())
      ASSERT_NEAR(u.prefill_s + u.decode_s + u.idle_s + u.recovery_s + u.waiting_s, 1.0, 1e-9);
  }
  const ServiceStats& s = dep.run_stats();
  ASSERT_GT(s.completed, 200);
  // Light load: a request finds an idle replica, its first token is its own prefill.
  const double prefill = prefill_step(d.model, d.hardware, 200).time_s(1.0);
  EXPECT_NEAR(s.ttft.quantile(0.5) / prefill, 1.0, 0.012);
  EXPECT_EQ(s.good, s.completed);
}

TEST(ServingQueue, FailureRetriesInFlightRequestsAndRecovers) {
  DeploymentSpec d = fixed_service(200.0, 2, 64);
  d.detection_s = 10;
  d.restart_s = 20;
  d.load_s = 5;
  Deployment dep(d, 5, 0);
  run(dep, 0, 30);
  const std::int64_t in_flight = dep.in_flight();
  ASSERT_GT(in_flight, 0);
  const LostWork lw = dep.fail(0, 29.5, 30.0, false);
  EXPECT_GT(lw.requests, 0);
  EXPECT_GT(lw.decode_s, 0.0);
  EXPECT_EQ(dep.run_stats().retried, lw.requests);
  EXPECT_EQ(dep.state(0), ReplicaState::recovering);
  dep.advance(30, 31, 1.0, 64);
  EXPECT_NEAR(dep.tick_use()[0].recovery_s, 1.0, 1e-12);
  run(dep, 31, 70);  // recovered at 29.5 + 35 = 64.5
  EXPECT_EQ(dep.state(0), ReplicaState::active);
  // A replica waiting for a repair stays down until restored.
  dep.fail(1, 69.2, 70.0, true);
  run(dep, 70, 80);
  EXPECT_EQ(dep.state(1), ReplicaState::waiting);
  EXPECT_NEAR(dep.tick_use()[1].waiting_s, 1.0, 1e-12);
  dep.restore(1, 80.0);
  run(dep, 80, 110);
  EXPECT_EQ(dep.state(1), ReplicaState::active);
}

TEST(ServingQueue, AutoscalingFollowsTheLoad) {
  DeploymentSpec d = fixed_service(1.0, 16, 8);
  d.model.parameters = d.model.active_parameters = 30e9;  // ≈ 1.1 s per request, memory bound
  d.min_replicas = 1;
  d.autoscale.enabled = true;
  d.autoscale.interval_s = 30;
  d.autoscale.warmup_s = 10;
  d.arrivals.daily_amplitude = 1.0;  // from nothing at 02:00 to 2λ̄ at 14:00 UTC
  d.arrivals.rate_per_s = 40.0;      // peak: ≈ 88 requests in the system, 16 replicas' worth
  Deployment dep(d, 2, 0);
  EXPECT_EQ(dep.serving_replicas(), 1);
  std::int64_t lowest = 100, highest = 0;
  for (double t = 0; t < 15 * 3600; t += 60.0) {
    dep.advance(t, t + 60.0, 1.0, 8);
    if (t > 3600) {
      lowest = std::min(lowest, dep.serving_replicas());
      highest = std::max(highest, dep.serving_replicas());
    }
  }
  EXPECT_LE(lowest, 2);
  EXPECT_EQ(highest, 16);
}

TEST(ServingQueue, RestartRoundTripContinuesIdentically) {
  DeploymentSpec d = fixed_service(300.0, 3, 16);
  d.model.kv_bytes_per_token = 131072;  // KV traffic: decode runs with growing context
  d.arrivals.prompt.kind = LengthDist::Kind::lognormal;
  d.arrivals.prompt.value = 400;
  d.arrivals.output.kind = LengthDist::Kind::lognormal;
  d.arrivals.output.value = 100;
  Deployment a(d, 9, 1), b(d, 9, 1);
  run(a, 0, 40);
  archive::Writer w;
  a.serialize(w);
  archive::Reader r(w.bytes().data(), w.bytes().size());
  b.serialize(r);
  EXPECT_TRUE(r.done());
  for (double t = 40; t < 100; t += 1.0) {
    const double clock = t < 70 ? 1.0 : 0.8;  // a clock change re-plans runs
    a.advance(t, t + 1.0, clock, 16);
    b.advance(t, t + 1.0, clock, 16);
    for (std::size_t k = 0; k < a.tick_use().size(); ++k) {
      ASSERT_EQ(a.tick_use()[k].decode_s, b.tick_use()[k].decode_s);
      ASSERT_EQ(a.tick_use()[k].decode_activity_s, b.tick_use()[k].decode_activity_s);
    }
  }
  EXPECT_EQ(a.run_stats().completed, b.run_stats().completed);
  EXPECT_EQ(a.run_stats().ttft_sum_s, b.run_stats().ttft_sum_s);
  EXPECT_EQ(a.run_stats().tpot.quantile(0.99), b.run_stats().tpot.quantile(0.99));
}

}  // namespace
}  // namespace ct::serving
