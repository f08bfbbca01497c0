// YAML -> Scenario. A bad field throws YamlFailure inside this file;
// ParseScenario returns it as a value.
#include "supply/scenario.h"

#include <algorithm>
#include <set>

#include "core/text.h"
#include "supply/builtin_scenarios.h"
#include "supply/supply_reader.h"

namespace suanli::supply {
namespace {

class ScenarioLoader : public SupplyReader {
 public:
  explicit ScenarioLoader(std::string file) : SupplyReader(std::move(file)) {}

  Scenario Load(std::string_view text) {
    const YAML::Node root = Parse(text);
    Scenario s;
    s.file = file_;
    // The places of what is checked against the catalog later.
    auto place = [&](const YAML::Node& map, std::string_view key, const std::string& path) {
      const std::string at = Join(path, key);
      if (const YAML::Node n = map[std::string(key)]; n) s.lines[at] = LineAt(n, at);
    };
    auto place_item = [&](const YAML::Node& n, const std::string& path) {
      s.lines[path] = LineAt(n, path);
    };
    auto place_list = [&](const YAML::Node& map, std::string_view key, const std::string& path) {
      const YAML::Node n = map[std::string(key)];
      if (!n) return;
      const std::string list = Join(path, key);
      s.lines[list] = LineAt(n, list);
      if (n.IsScalar()) s.lines[list + "[0]"] = LineAt(n, list);
      if (!n.IsSequence()) return;
      for (size_t i = 0; i < n.size(); ++i) {
        const std::string item = list + "[" + std::to_string(i) + "]";
        s.lines[item] = LineAt(n[i], item);
      }
    };
    if (!root.IsMap()) Fail("expected a mapping with scenario, fleet, deliveries, ...", root, "");
    CheckKeys(root, "",
              {"scenario", "inputs", "fleet", "deliveries", "events", "workloads", "power_caps",
               "policy"});
    const YAML::Node head = root["scenario"];
    if (!head || !head.IsMap())
      Fail("missing the scenario mapping (name, start, period, horizon)", root, "scenario");
    CheckKeys(head, "scenario", {"name", "description", "start", "period", "horizon", "source"});
    s.name = Text(head, "name", "scenario", true);
    s.description = Text(head, "description", "scenario", false);
    s.start = DateField(head, "start", "scenario");
    const std::string period = Text(head, "period", "scenario", true);
    if (period == "week") {
      s.period = PeriodUnit::kWeek;
    } else if (period == "month") {
      s.period = PeriodUnit::kMonth;
    } else {
      Fail("unknown period '" + period + "'; expected week or month", head["period"],
           "scenario.period");
    }
    s.horizon = Int(head, "horizon", "scenario", 1, 1000);

    std::set<std::string> input_names;
    if (root["inputs"]) {
      ForEach(root["inputs"], "inputs", [&](const YAML::Node& n, const std::string& p) {
        CheckKeys(n, p, {"name", "distribution", "source", "note"});
        Input in;
        in.name = Text(n, "name", p, true);
        in.distribution = Dist(n, "distribution", p);
        in.sources = Strings(n, "source", p);
        in.note = Text(n, "note", p, false);
        if (!input_names.insert(in.name).second)
          Fail("input '" + in.name + "' defined twice", n, Join(p, "name"));
        s.inputs.push_back(std::move(in));
      });
    }
    if (root["fleet"]) {
      ForEach(root["fleet"], "fleet", [&](const YAML::Node& n, const std::string& p) {
        CheckKeys(n, p, {"chip", "count", "source", "note"});
        place_item(n, p);
        place(n, "chip", p);
        s.fleet.push_back({NormalizeId(Text(n, "chip", p, true)), Amount(n, "count", p, 0, 1e8),
                           Strings(n, "source", p)});
      });
    }
    if (root["power_caps"]) {
      std::set<std::string> capped;
      ForEach(root["power_caps"], "power_caps", [&](const YAML::Node& n, const std::string& p) {
        CheckKeys(n, p, {"chip", "watts", "source", "note"});
        place_item(n, p);
        place(n, "chip", p);
        place(n, "watts", p);
        PowerCap cap{NormalizeId(Text(n, "chip", p, true)), Num(n, "watts", p, 1, 1e5),
                     Strings(n, "source", p), Text(n, "note", p, false)};
        if (!capped.insert(cap.chip).second)
          Fail("chip '" + cap.chip + "' has two power caps", n, Join(p, "chip"));
        s.power_caps.push_back(std::move(cap));
      });
    }
    if (root["deliveries"]) {
      ForEach(root["deliveries"], "deliveries", [&](const YAML::Node& n, const std::string& p) {
        CheckKeys(
            n, p,
            {"chip", "from", "to", "per_period", "draw_each_period", "scale_by", "source", "note"});
        Delivery d;
        place_item(n, p);
        place(n, "chip", p);
        d.chip = NormalizeId(Text(n, "chip", p, true));
        d.from = DateField(n, "from", p);
        d.to = DateField(n, "to", p);
        if (d.to < d.from) Fail("'to' is before 'from'", n["to"], Join(p, "to"));
        d.per_period = Dist(n, "per_period", p);
        d.draw_each_period = Bool(n, "draw_each_period", p, false);
        d.scale_by = Text(n, "scale_by", p, false);
        if (!d.scale_by.empty() && !input_names.count(d.scale_by)) {
          Fail("unknown input '" + d.scale_by + "'; define it under inputs", n["scale_by"],
               Join(p, "scale_by"));
        }
        d.sources = Strings(n, "source", p);
        d.note = Text(n, "note", p, false);
        s.deliveries.push_back(std::move(d));
      });
    }
    if (root["events"]) {
      ForEach(root["events"], "events", [&](const YAML::Node& n, const std::string& p) {
        CheckKeys(n, p,
                  {"name", "probability", "window", "effect", "chip", "amount", "source", "note"});
        Event e;
        place_item(n, p);
        place(n, "chip", p);
        e.name = Text(n, "name", p, true);
        e.probability = Share(n, "probability", p, 0, 1);
        const YAML::Node w = n["window"];
        if (!w || !w.IsSequence() || w.size() != 2) {
          Fail("expected window: [from, to] dates", w ? w : n, Join(p, "window"));
        }
        e.window_from = ParseDate(w[0], Join(p, "window"));
        e.window_to = ParseDate(w[1], Join(p, "window"));
        if (e.window_to < e.window_from) Fail("window ends before it starts", w, Join(p, "window"));
        const std::string effect = Text(n, "effect", p, true);
        if (effect == "add") {
          e.effect = Event::Effect::kAdd;
        } else if (effect == "remove") {
          e.effect = Event::Effect::kRemove;
        } else if (effect == "cap") {
          e.effect = Event::Effect::kCap;
        } else if (effect == "scale") {
          e.effect = Event::Effect::kScale;
        } else {
          Fail("unknown effect '" + effect + "'; expected add, remove, cap or scale", n["effect"],
               Join(p, "effect"));
        }
        e.chip = NormalizeId(Text(n, "chip", p, true));
        if (e.effect != Event::Effect::kRemove) e.amount = Dist(n, "amount", p);
        e.sources = Strings(n, "source", p);
        e.note = Text(n, "note", p, false);
        s.events.push_back(std::move(e));
      });
    }
    std::set<std::string> names;
    // What every workload has: a name no other uses, a model, the formats it accepts (kept at
    // their default when not given) and the chip types it may use.
    auto workload = [&](const YAML::Node& n, const std::string& p, std::string_view what,
                        std::string& name, std::string& model, std::vector<std::string>& dtypes,
                        std::vector<std::string>& chips) {
      place_item(n, p);
      place(n, "model", p);
      place(n, "dtype", p);
      place_list(n, "dtypes", p);
      place_list(n, "chips", p);
      name = Text(n, "name", p, true);
      if (!names.insert(name).second) {
        Fail("workload name '" + name + "' used twice", n["name"], Join(p, "name"));
      }
      model = Text(n, "model", p, true);
      if (auto d = DTypes(n, p)) dtypes = *d;
      chips = Strings(n, "chips", p);
      if (chips.empty())
        Fail(std::string(what) + " needs at least one allowed chip", n, Join(p, "chips"));
      for (auto& c : chips) c = NormalizeId(c);
    };
    if (const YAML::Node w = root["workloads"]; w) {
      if (!w.IsMap()) Fail("expected a mapping with training and inference", w, "workloads");
      CheckKeys(w, "workloads", {"training", "inference"});
      if (w["training"]) {
        ForEach(
            w["training"], "workloads.training", [&](const YAML::Node& n, const std::string& p) {
              CheckKeys(n, p,
                        {"name", "model", "tokens", "dtype", "dtypes", "chips", "min_chips",
                         "max_chips", "earliest_start", "target", "priority", "source", "note"});
              TrainingRun r;
              workload(n, p, "a training run", r.name, r.model, r.dtypes, r.chips);
              r.tokens = Amount(n, "tokens", p, 1, 1e18);
              r.min_chips = Amount(n, "min_chips", p, 1, 1e8, 1);
              r.max_chips = Amount(n, "max_chips", p, 1, 1e8);
              if (r.max_chips < r.min_chips)
                Fail("max_chips is below min_chips", n["max_chips"], Join(p, "max_chips"));
              r.earliest_start = n["earliest_start"] ? DateField(n, "earliest_start", p) : s.start;
              // A run that may start only after the last period is never forecast: say so where
              // it is set (a start moved back, a horizon shortened), not "beyond the horizon".
              if (const Date end = s.PeriodStart(s.horizon); end <= r.earliest_start) {
                Fail("earliest_start " + r.earliest_start.ToString() +
                         " is after the horizon's last period (start " + s.start.ToString() +
                         " + " + std::to_string(s.horizon) +
                         (s.period == PeriodUnit::kWeek ? " weeks" : " months") + " ends " +
                         Date{end.days - 1}.ToString() +
                         "): the run would never start; move earliest_start or start, or "
                         "lengthen horizon",
                     n["earliest_start"], Join(p, "earliest_start"));
              }
              r.target = DeadlineField(n, "target", p);
              r.priority = Num(n, "priority", p, 0, 1e6, 1);
              r.sources = Strings(n, "source", p);
              s.training.push_back(std::move(r));
            });
      }
      if (w["inference"]) {
        ForEach(w["inference"], "workloads.inference",
                [&](const YAML::Node& n, const std::string& p) {
                  CheckKeys(n, p,
                            {"name", "model", "input_tokens", "output_tokens", "dtype", "dtypes",
                             "demand_tokens_per_s", "growth_per_period", "tpot_ms", "chips",
                             "priority", "source", "note"});
                  InferenceService v;
                  workload(n, p, "a service", v.name, v.model, v.dtypes, v.chips);
                  v.input_tokens = Amount(n, "input_tokens", p, 1, 1e7, 1024);
                  v.output_tokens = Amount(n, "output_tokens", p, 1, 1e7, 256);
                  v.demand_tokens_per_s = Amount(n, "demand_tokens_per_s", p, 0, 1e12);
                  v.growth_per_period = Share(n, "growth_per_period", p, -0.99, 10, 0);
                  if (n["tpot_ms"]) v.tpot_ms = Num(n, "tpot_ms", p, 0.1, 1e6);
                  v.priority = Num(n, "priority", p, 0, 1e6, 1);
                  v.sources = Strings(n, "source", p);
                  s.services.push_back(std::move(v));
                });
      }
    }
    if (const YAML::Node pol = root["policy"]; pol) {
      if (!pol.IsMap()) Fail("expected a mapping", pol, "policy");
      CheckKeys(pol, "policy",
                {"inference_first", "training_across_types", "switch_cost_days",
                 "cross_type_efficiency", "training_spans_chip_types"});
      s.policy.inference_first = Bool(pol, "inference_first", "policy", false);
      place_item(pol, "policy");
      place(pol, "training_across_types", "policy");
      if (pol["training_across_types"] && pol["training_spans_chip_types"]) {
        Fail("give training_across_types, not also the older training_spans_chip_types",
             pol["training_spans_chip_types"], "policy.training_spans_chip_types");
      }
      if (pol["training_spans_chip_types"]) {
        // The older switch: true added rates across types, false kept one type per period.
        s.policy.training_across_types = Bool(pol, "training_spans_chip_types", "policy", false)
                                             ? TrainingAcrossTypes::kSplitBalanced
                                             : TrainingAcrossTypes::kSwitch;
      }
      if (pol["training_across_types"]) {
        const std::string v = Text(pol, "training_across_types", "policy", true);
        bool known = false;
        for (auto t : {TrainingAcrossTypes::kOne, TrainingAcrossTypes::kSwitch,
                       TrainingAcrossTypes::kSplit, TrainingAcrossTypes::kSplitBalanced}) {
          if (v == TrainingAcrossTypesName(t)) {
            s.policy.training_across_types = t;
            known = true;
          }
        }
        if (!known) {
          Fail("unknown training_across_types '" + v +
                   "'; expected one, switch, split or split-balanced",
               pol["training_across_types"], "policy.training_across_types");
        }
      }
      s.policy.switch_cost_days = Num(pol, "switch_cost_days", "policy", 0, 365, 14);
      s.policy.cross_type_efficiency = Share(pol, "cross_type_efficiency", "policy", 0.01, 1, 0.95);
    }
    if (s.training.empty() && s.services.empty())
      Fail("the scenario has no workloads", root, "workloads");
    return s;
  }

 private:
  // A workload's `dtype: x` or `dtypes: [x, y]` (most preferred first); nullopt when neither.
  std::optional<std::vector<std::string>> DTypes(const YAML::Node& n, const std::string& p) {
    if (n["dtype"] && n["dtypes"]) {
      Fail("give dtype (one) or dtypes (a list in order of preference), not both", n["dtypes"],
           Join(p, "dtypes"));
    }
    if (n["dtypes"]) {
      auto list = Strings(n, "dtypes", p);
      if (list.empty()) Fail("dtypes needs at least one dtype", n["dtypes"], Join(p, "dtypes"));
      return list;
    }
    if (n["dtype"]) return std::vector<std::string>{Text(n, "dtype", p, true)};
    return std::nullopt;
  }
};

}  // namespace

std::string_view TrainingAcrossTypesName(TrainingAcrossTypes t) {
  switch (t) {
    case TrainingAcrossTypes::kOne:
      return "one";
    case TrainingAcrossTypes::kSwitch:
      return "switch";
    case TrainingAcrossTypes::kSplit:
      return "split";
    case TrainingAcrossTypes::kSplitBalanced:
      return "split-balanced";
  }
  return "switch";
}

int Scenario::PeriodOf(Date d) const {
  if (period == PeriodUnit::kWeek) {
    const int diff = d.days - start.days;
    return diff >= 0 ? diff / 7 : -((-diff + 6) / 7);
  }
  // The last period that starts on or before d (month ends clamp, so count
  // from an estimate and adjust against PeriodStart itself).
  int y0, m0, d0, y, m, dd;
  start.ToCivil(&y0, &m0, &d0);
  d.ToCivil(&y, &m, &dd);
  int i = (y - y0) * 12 + (m - m0);
  while (d < PeriodStart(i)) --i;
  while (PeriodStart(i + 1) <= d) ++i;
  return i;
}

std::vector<std::string> Scenario::ChipIds() const {
  std::set<std::string> ids;
  for (const auto& f : fleet) ids.insert(f.chip);
  for (const auto& d : deliveries) ids.insert(d.chip);
  for (const auto& e : events) ids.insert(e.chip);
  return {ids.begin(), ids.end()};
}

Error Scenario::ErrorAt(const std::string& field, std::string message) const {
  // The field's own line, else the closest enclosing item's ("a.b[2].c" -> "a.b[2]" -> "a.b").
  for (std::string at = field; !at.empty();) {
    if (auto it = lines.find(at); it != lines.end() && !file.empty()) {
      return Error{std::move(message), file, it->second, field};
    }
    const size_t cut = at.find_last_of(".[");
    if (cut == std::string::npos) break;
    at.resize(cut);
  }
  return Error{"scenario '" + name + "': " + field + ": " + message};
}

Result<Scenario> ParseScenario(std::string_view yaml, const std::string& file_name) {
  try {
    return ScenarioLoader(file_name).Load(yaml);
  } catch (const YamlFailure& f) {
    return tl::unexpected(f.error);
  } catch (const YAML::Exception& e) {
    return MakeError(e.what(), file_name, e.mark.line + 1);
  }
}

namespace {

// The item of a list a path segment names: by name, chip or id, or by 0-based index.
YAML::Node ListItem(const YAML::Node& list, const std::string& segment) {
  for (const auto& item : list) {
    if (!item.IsMap()) continue;
    for (const char* key : {"name", "chip", "id"}) {
      if (item[key] && item[key].IsScalar() && item[key].Scalar() == segment) return item;
    }
  }
  if (!segment.empty() && segment.find_first_not_of("0123456789") == std::string::npos &&
      segment.size() < 6 && std::stoul(segment) < list.size())
    return list[std::stoul(segment)];
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Names(const YAML::Node& node) {
  std::vector<std::string> names;
  if (node.IsMap()) {
    for (const auto& kv : node) names.push_back(kv.first.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      for (const char* key : {"name", "chip", "id"}) {
        if (item.IsMap() && item[key] && item[key].IsScalar()) {
          names.push_back(item[key].Scalar());
          break;
        }
      }
    }
  }
  return names.empty() ? "nothing" : JoinOr(names);
}

}  // namespace

Result<std::string> ApplySettings(std::string_view yaml, const std::vector<std::string>& settings) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    for (const auto& setting : settings) {
      const size_t eq = setting.find('=');
      if (eq == std::string::npos || eq == 0) {
        return MakeError(Quoted(setting) + ": expected PATH=VALUE", "", 0, "set");
      }
      const std::string path = setting.substr(0, eq);
      std::vector<std::string> segments;
      for (size_t start = 0; start <= path.size();) {
        const size_t dot = std::min(path.find('.', start), path.size());
        const std::string seg = path.substr(start, dot - start);
        start = dot + 1;
        // A list item by index as the loader's errors name it: fleet[0].count is fleet.0.count.
        const size_t open = seg.find('[');
        std::vector<std::string> parts{seg.substr(0, open)};
        bool indexed = open != std::string::npos && open > 0;
        for (size_t at = open; indexed && at < seg.size();) {
          const size_t close = seg.find(']', at);
          const std::string index =
              close == std::string::npos ? "" : seg.substr(at + 1, close - at - 1);
          if (seg[at] != '[' || index.empty() ||
              index.find_first_not_of("0123456789") != std::string::npos) {
            indexed = false;
            break;
          }
          parts.push_back(index);
          at = close + 1;
        }
        if (!indexed) parts = {seg};
        segments.insert(segments.end(), parts.begin(), parts.end());
      }
      YAML::Node value;
      try {
        value = YAML::Load(setting.substr(eq + 1));
      } catch (const YAML::Exception& e) {
        return MakeError(Quoted(path) + ": the value is not YAML: " + e.msg, "", 0, "set");
      }
      YAML::Node node = root;
      std::string walked;
      for (size_t i = 0; i < segments.size(); ++i) {
        const std::string& seg = segments[i];
        const bool last = i + 1 == segments.size();
        const std::string here = walked.empty() ? "the scenario" : walked;
        if (seg.empty()) return MakeError(Quoted(path) + ": empty path segment", "", 0, "set");
        if (node.IsSequence()) {
          YAML::Node item = ListItem(node, seg);
          if (!item.IsDefined()) {
            return MakeError(Quoted(path) + ": " + here + " has no item " + Quoted(seg) +
                                 " (it has " + Names(node) + ")",
                             "", 0, "set");
          }
          if (last) {
            return MakeError(Quoted(path) + ": name a field of the item, not the item", "", 0,
                             "set");
          }
          node.reset(item);
        } else if (node.IsMap()) {
          if (last) {
            node[seg] = value;
            break;
          }
          YAML::Node child = node[seg];
          if (!child.IsDefined() || child.IsNull()) {
            return MakeError(Quoted(path) + ": " + here + " has no " + Quoted(seg) + " (it has " +
                                 Names(node) + ")",
                             "", 0, "set");
          }
          node.reset(child);
        } else {
          return MakeError(Quoted(path) + ": " + here + " is a value, not a mapping", "", 0, "set");
        }
        walked += (walked.empty() ? "" : ".") + seg;
      }
    }
    YAML::Emitter out;
    out << root;
    return std::string(out.c_str()) + "\n";
  } catch (const YAML::Exception& e) {
    return MakeError(e.what(), "", e.mark.line + 1, "set");
  }
}

std::vector<std::string> BuiltinScenarioNames() {
  std::vector<std::string> names;
  for (const auto& f : BuiltinScenarioFiles()) {
    std::string name(f.name);
    names.push_back(name.substr(0, name.rfind('.')));
  }
  return names;
}

// Built-in names are lower case; "China-2026" is the same scenario.
Result<Scenario> BuiltinScenario(std::string_view name) {
  const std::string wanted = ToLower(name);
  for (const auto& f : BuiltinScenarioFiles()) {
    std::string file(f.name);
    if (file.substr(0, file.rfind('.')) == wanted) {
      return ParseScenario(f.content, "builtin:" + file);
    }
  }
  return MakeError("unknown scenario '" + std::string(name) +
                   "'; built in: " + JoinOr(BuiltinScenarioNames()) +
                   " (see `suanli forecast --list`), or give a YAML file");
}

Result<std::string> BuiltinScenarioText(std::string_view name) {
  const std::string wanted = ToLower(name);
  for (const auto& f : BuiltinScenarioFiles()) {
    std::string file(f.name);
    if (file.substr(0, file.rfind('.')) == wanted) return std::string(f.content);
  }
  return MakeError("unknown scenario '" + std::string(name.substr(0, 60)) +
                   "'; built in: " + JoinOr(BuiltinScenarioNames()));
}

}  // namespace suanli::supply
