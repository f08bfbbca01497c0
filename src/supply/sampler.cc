#include "supply/sampler.h"

#include <algorithm>

namespace suanli::supply {

std::vector<Factor> ListFactors(const Scenario& s) {
  std::vector<Factor> out;
  for (const auto& in : s.inputs) {
    out.push_back({Factor::Kind::kInput, "input:" + in.name,
                   in.name + " (" + in.distribution.Describe() + ")"});
  }
  for (size_t i = 0; i < s.deliveries.size(); ++i) {
    const auto& d = s.deliveries[i];
    if (d.per_period.kind == Distribution::Kind::kFixed) continue;
    out.push_back({Factor::Kind::kDelivery, "delivery:" + std::to_string(i),
                   d.chip + " deliveries " + d.from.ToMonthString() + ".." + d.to.ToMonthString() +
                       " (" + d.per_period.Describe() + ")"});
  }
  for (const auto& e : s.events) {
    if (e.probability <= 0 || e.probability >= 1) continue;
    out.push_back(
        {Factor::Kind::kEvent, "event:" + e.name,
         e.name + " (p " + std::to_string(static_cast<int>(e.probability * 100 + 0.5)) + " %)"});
  }
  return out;
}

FleetSample SampleFleet(const Scenario& s, uint64_t seed, uint64_t index, const Overrides& o) {
  Rng rng(seed, index);
  FleetSample out;
  out.chips = s.ChipIds();
  const size_t nc = out.chips.size();
  auto column = [&](const std::string& chip) {
    return static_cast<size_t>(std::lower_bound(out.chips.begin(), out.chips.end(), chip) -
                               out.chips.begin());
  };
  auto draw = [&](const Distribution& d, const std::string& key) {
    // Always consume the stream so that pinning one factor leaves the others'
    // draws unchanged.
    const double sampled = d.Sample(rng);
    auto it = o.quantile.find(key);
    return it == o.quantile.end() ? sampled : d.Quantile(it->second);
  };

  std::map<std::string, double> inputs;
  for (const auto& in : s.inputs) inputs[in.name] = draw(in.distribution, "input:" + in.name);

  const int periods = s.horizon;
  std::vector<std::vector<double>> arrivals(periods, std::vector<double>(nc, 0));
  for (size_t i = 0; i < s.deliveries.size(); ++i) {
    const auto& d = s.deliveries[i];
    const std::string key = "delivery:" + std::to_string(i);
    const double scale = d.scale_by.empty() ? 1.0 : inputs[d.scale_by];
    const double level = draw(d.per_period, key);
    const int first = std::max(0, s.PeriodOf(d.from));
    const int last = std::min(periods - 1, s.PeriodOf(d.to));
    for (int t = 0; t < periods; ++t) {
      // Each period's own draw happens whether or not the period is in range.
      const double each = d.draw_each_period ? draw(d.per_period, key) : level;
      if (t < first || t > last) continue;
      arrivals[t][column(d.chip)] += std::max(0.0, each * scale);
    }
  }
  // Events: decided and dated in order, applied from their period on.
  struct Fired {
    const Event* event;
    int period;
    double amount;
  };
  std::vector<Fired> fired;
  for (const auto& e : s.events) {
    const std::string key = "event:" + e.name;
    const bool sampled_on = rng.Uniform() < e.probability;
    const double when = rng.Uniform();
    const double amount = e.effect == Event::Effect::kRemove ? 0 : e.amount.Sample(rng);
    auto it = o.happens.find(key);
    const bool on = it == o.happens.end() ? sampled_on : it->second;
    if (!on) continue;
    // Every day of the window, both ends included, equally likely.
    const int span = e.window_to.days - e.window_from.days;
    const Date date{e.window_from.days + std::min(span, static_cast<int>(when * (span + 1)))};
    fired.push_back({&e, std::max(0, s.PeriodOf(date)), amount});
    out.events_fired.push_back(e.name);
  }
  for (const auto& f : fired) {
    const size_t c = column(f.event->chip);
    for (int t = f.period; t < periods; ++t) {
      switch (f.event->effect) {
        case Event::Effect::kRemove:
          arrivals[t][c] = 0;
          break;
        case Event::Effect::kCap:
          arrivals[t][c] = std::min(arrivals[t][c], f.amount);
          break;
        case Event::Effect::kScale:
          arrivals[t][c] *= f.amount;
          break;
        case Event::Effect::kAdd:
          break;
      }
    }
  }
  for (const auto& f : fired) {
    if (f.event->effect != Event::Effect::kAdd) continue;
    const size_t c = column(f.event->chip);
    for (int t = f.period; t < periods; ++t) arrivals[t][c] += f.amount;
  }

  out.available.assign(periods, std::vector<double>(nc, 0));
  std::vector<double> on_hand(nc, 0);
  for (const auto& f : s.fleet) on_hand[column(f.chip)] += f.count;
  for (const auto& [chip, n] : o.extra_chips) {
    const size_t c = column(chip);
    if (c < nc && out.chips[c] == chip) on_hand[c] += n;
  }
  for (int t = 0; t < periods; ++t) {
    for (size_t c = 0; c < nc; ++c) {
      // Chips delivered in a period serve from the next one.
      out.available[t][c] = on_hand[c];
      on_hand[c] += arrivals[t][c];
    }
  }
  return out;
}

}  // namespace suanli::supply
