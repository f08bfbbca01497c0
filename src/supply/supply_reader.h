// YAML reading shared by the supply loaders: dates and distributions, with
// file:line errors. Private to src/supply (pulls in yaml-cpp).
#ifndef SUANLI_SUPPLY_SUPPLY_READER_H_
#define SUANLI_SUPPLY_SUPPLY_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/yaml_reader.h"
#include "supply/distribution.h"

namespace suanli::supply {

class SupplyReader : public YamlReader {
 public:
  explicit SupplyReader(std::string file) : YamlReader(std::move(file)) {}

 protected:
  Date ParseDate(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) Fail("expected a date YYYY-MM-DD or YYYY-MM", n, path);
    auto d = Date::Parse(n.as<std::string>());
    if (!d) Fail(d.error().message, n, path);
    return *d;
  }

  Date DateField(const YAML::Node& map, std::string_view key, const std::string& path) {
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) Fail("missing required date", map, Join(path, key));
    return ParseDate(n, Join(path, key));
  }

  // A deadline: a date, or a month (YYYY-MM), which means by the end of that month ("target:
  // 2027-09" is 2027-09-30; a start or a delivery month is the month's first day).
  Date DeadlineField(const YAML::Node& map, std::string_view key, const std::string& path) {
    const Date d = DateField(map, key, path);
    const std::string text = map[std::string(key)].as<std::string>();
    return text.size() == 7 ? d.AddMonths(1).AddDays(-1) : d;
  }

  // {fixed: x} | {uniform: [a, b]} | {triangular: [min, mode, max]} |
  // {lognormal: {median: m, sigma: s}} | a bare number (fixed).
  Distribution Dist(const YAML::Node& map, std::string_view key, const std::string& parent) {
    const std::string path = Join(parent, key);
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) Fail("missing required distribution", map, path);
    if (n.IsScalar()) {
      const double v = AmountNumber(n, path);
      if (v < 0) Fail("a supply quantity cannot be negative", n, path);
      return Distribution::Fixed(v);
    }
    if (!n.IsMap() || n.size() != 1) {
      Fail(
          "expected a number or one of {fixed: x}, {uniform: [a, b]}, {triangular: [min, mode, "
          "max]}, "
          "{lognormal: {median: m, sigma: s}}",
          n, path);
    }
    const std::string kind = n.begin()->first.as<std::string>();
    const YAML::Node v = n.begin()->second;
    auto list = [&](size_t size) {
      if (!v.IsSequence() || v.size() != size) {
        Fail(kind + " expects a list of " + std::to_string(size) + " numbers", v, Join(path, kind));
      }
      std::vector<double> out;
      for (size_t i = 0; i < size; ++i) out.push_back(AmountNumber(v[i], Join(path, kind)));
      return out;
    };
    Distribution d;
    if (kind == "fixed") {
      d = Distribution::Fixed(AmountNumber(v, Join(path, kind)));
    } else if (kind == "uniform") {
      const auto x = list(2);
      if (x[1] < x[0]) Fail("uniform [a, b] needs a <= b", v, Join(path, kind));
      d = {Distribution::Kind::kUniform, x[0], x[1], (x[0] + x[1]) / 2};
    } else if (kind == "triangular") {
      const auto x = list(3);
      if (!(x[0] <= x[1] && x[1] <= x[2]))
        Fail("triangular [min, mode, max] needs min <= mode <= max", v, Join(path, kind));
      d = {Distribution::Kind::kTriangular, x[0], x[2], x[1]};
    } else if (kind == "lognormal") {
      if (!v.IsMap()) Fail("lognormal expects {median: m, sigma: s}", v, Join(path, kind));
      CheckKeys(v, Join(path, kind), {"median", "sigma"});
      d = {Distribution::Kind::kLognormal, Amount(v, "median", Join(path, kind), 1e-12, 1e15), 0,
           Num(v, "sigma", Join(path, kind), 0, 5)};
    } else {
      Fail("unknown distribution '" + kind + "'; expected fixed, uniform, triangular or lognormal",
           n, path);
    }
    if (d.kind != Distribution::Kind::kLognormal && d.Quantile(0) < 0) {
      Fail("a supply quantity cannot be negative", n, path);
    }
    return d;
  }
};

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_SUPPLY_READER_H_
