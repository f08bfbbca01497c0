// Reading YAML with errors that name file, 1-based line and field. Included
// only by loader .cc files (it pulls in yaml-cpp). A bad field throws
// YamlFailure inside a loader; the loader's public entry point catches it and
// returns the Error as a value.
#ifndef SUANLI_CORE_YAML_READER_H_
#define SUANLI_CORE_YAML_READER_H_

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/number.h"
#include "core/text.h"

namespace suanli {

struct YamlFailure {
  Error error;
};

inline int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

inline std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Where each document of a stream starts (the parser's events, no nodes built).
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where each alias is written, by the path of the value it stands for (`a.b`, lists as `[i]`, as
// YamlReader's key paths): a node read through an alias carries its anchor's mark, and a list
// item given whole as an alias (`- *svc`) has no key of its own whose line could say where it is.
struct AliasPaths : YAML::EventHandler {
  struct Frame {
    std::string path;
    bool map = false;
    bool want_key = true;  // a mapping: the next node is a key
    std::string key;
    long index = 0;  // a list: the next item's
  };
  std::vector<Frame> frames;
  std::map<std::string, int> lines;  // value path -> the alias's 1-based line
  // The path of the node that comes next, or empty where it is a key (or no container is open).
  std::optional<std::string> NextPath() const {
    if (frames.empty()) return std::string();
    const Frame& f = frames.back();
    if (f.map) {
      if (f.want_key) return std::nullopt;
      return f.path.empty() ? f.key : f.path + "." + f.key;
    }
    return f.path + "[" + std::to_string(f.index) + "]";
  }
  // A node (scalar, alias, null or a container just closed) took its place.
  void Took(const std::string* key_text) {
    if (frames.empty()) return;
    Frame& f = frames.back();
    if (!f.map) {
      ++f.index;
    } else if (f.want_key) {
      f.key = key_text ? *key_text : "?";
      f.want_key = false;
    } else {
      f.want_key = true;
    }
  }
  void Open(bool map) {
    const auto path = NextPath();
    frames.push_back(
        {.path = path.value_or("?"), .map = map, .want_key = true, .key = {}, .index = 0});
  }
  void Close() {
    frames.pop_back();
    Took(nullptr);
  }
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {
    static const std::string kEmpty;
    Took(&kEmpty);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    if (const auto path = NextPath(); path && !path->empty() && mark.line >= 0) {
      lines[*path] = mark.line + 1;
    }
    Took(nullptr);
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string& value) override {
    Took(&value);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Open(false);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Open(true);
  }
  void OnMapEnd() override { Close(); }
};

class YamlReader {
 public:
  // What a key named twice in one mapping does: an error (the loaders', OmegaConf's), or the
  // last one stands and the earlier ones go, as PyYAML's safe_load keeps them (S4363), which
  // vLLM's --config and trtllm-serve's --extra_llm_api_options read their files with.
  enum class DuplicateKeys { kError, kLastWins };

  explicit YamlReader(std::string file, DuplicateKeys duplicates = DuplicateKeys::kError)
      : file_(std::move(file)), duplicates_(duplicates) {}

  // Parses `text`, one YAML document of UTF-8 text; a syntax error fails with the line (clamped
  // to the file). Strict where YAML is lax and yaml-cpp silently kept the first of several: a
  // duplicate key in any mapping and a second document are errors, as is text that is not
  // UTF-8 (which only failed later, when JSON output met it).
  YAML::Node Parse(std::string_view text) {
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                      (text.empty() || text.back() == '\n' ? 0 : 1);
    // yaml-cpp decodes UTF-16 and UTF-32 that start with a byte order mark; all else is UTF-8.
    const bool utf16_or_32 = text.substr(0, 2) == "\xFE\xFF" || text.substr(0, 2) == "\xFF\xFE" ||
                             text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4);
    if (const size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos && !utf16_or_32) {
      const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + bad, '\n'));
      const size_t newline = bad == 0 ? std::string_view::npos : text.rfind('\n', bad - 1);
      const size_t column = bad - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
      Fail(fmt::format("not valid UTF-8 (byte 0x{:02X} at column {}); save the file as UTF-8",
                       static_cast<unsigned char>(text[bad]), column),
           line, "");
    }
    const std::string owned(text);
    YAML::Node root;
    try {
      // Documents are counted with the parser before one is built: yaml-cpp 0.7's LoadAll never
      // ends on a ',' where a document should start (upstream issue #1040, fixed in 2024 after
      // Debian's 0.7.0): it returns an empty document without consuming the token, forever,
      // allocating as it goes (1.4 GB in 3 s). A document that does not move the parser on is
      // the syntax error it is.
      std::istringstream in(owned);
      YAML::Parser parser(in);
      DocumentStarts starts;
      while (parser.HandleNextDocument(starts)) {
        const size_t n = starts.marks.size();
        if (n >= 2 && starts.marks[n - 1].pos == starts.marks[n - 2].pos) {
          const YAML::Mark& m = starts.marks[n - 1];
          const char c =
              m.pos >= 0 && static_cast<size_t>(m.pos) < owned.size() ? owned[m.pos] : '?';
          Fail(fmt::format("unexpected '{}' at column {}; expected a value", c, m.column + 1),
               std::max(1, std::min(m.line + 1, lines)), "");
        }
      }
      if (starts.marks.empty()) return YAML::Node();
      if (starts.marks.size() > 1) {
        Fail("more than one YAML document (a second starts here); expected one per file",
             std::max(1, std::min(starts.marks[1].line + 1, lines)), "");
      }
      root = YAML::Load(owned);
      // Where the aliases are written (a file without `*` has none).
      if (owned.find('*') != std::string::npos) {
        std::istringstream again(owned);
        YAML::Parser aliases(again);
        AliasPaths paths;
        aliases.HandleNextDocument(paths);
        alias_lines_ = std::move(paths.lines);
      }
    } catch (const YAML::DeepRecursion& e) {
      // yaml-cpp's message for its nesting limit was "bad file".
      Fail(fmt::format("nesting deeper than {} levels; the parser stops there (expected a few "
                       "levels of mappings and lists)",
                       e.depth() - 1),
           std::max(1, std::min(e.mark.line + 1, lines)), "");
    } catch (const YAML::ParserException& e) {
      // At end of input yaml-cpp points one line past the last one.
      const int line = std::max(1, std::min(e.mark.line + 1, lines));
      // A tab in a line's indentation reads as "illegal block entry" or "illegal map value":
      // say what it is (the line itself, or the one before, which yaml-cpp may point past).
      for (int l : {line, line - 1}) {
        if (l >= 1 && IndentHasTab(owned, l)) {
          Fail(e.msg + fmt::format(
                           "; line {} indents with a tab, and YAML indents with spaces only", l),
               l, "");
        }
      }
      Fail(e.msg, line, "");
    }
    std::set<std::pair<int, int>> checked;
    CheckDuplicateKeys(root, "", checked);
    return root;
  }

 protected:
  // Whether line `line` (1-based) of `text` has a tab before its first other character.
  static bool IndentHasTab(const std::string& text, int line) {
    size_t at = 0;
    for (int l = 1; l < line; ++l) {
      at = text.find('\n', at);
      if (at == std::string::npos) return false;
      ++at;
    }
    for (; at < text.size() && (text[at] == ' ' || text[at] == '\t'); ++at) {
      if (text[at] == '\t') return true;
    }
    return false;
  }

  [[noreturn]] void Fail(std::string message, int line, std::string field) {
    throw YamlFailure{Error{std::move(message), file_, line, std::move(field)}};
  }
  [[noreturn]] void Fail(std::string message, const YAML::Node& node, std::string field) {
    const int at = LineOf(node);
    const int line = LineAt(node, field);
    if (line != at && at > 0) message += fmt::format(" (the value is an alias of line {})", at);
    Fail(std::move(message), line, std::move(field));
  }

  // The line an error about `node`, read as `field`, names: the node's own, except where the
  // node came through an alias (`tpot_ms: *fast` takes the node written at the anchor, earlier
  // in the file): then the line of the key the user wrote the alias under. A key always comes
  // before its value, so a recorded key (field or the nearest enclosing one) later than the
  // node marks an alias.
  int LineAt(const YAML::Node& node, const std::string& field) const {
    const int line = LineOf(node);
    for (std::string at = field; !at.empty();) {
      // Under an alias written here (a list item given whole as `- *svc` has no key line).
      if (const auto it = alias_lines_.find(at); it != alias_lines_.end() && it->second > line) {
        return it->second;
      }
      if (const auto it = key_lines_.find(at); it != key_lines_.end()) {
        return it->second > line ? it->second : line;
      }
      const size_t cut = at.find_last_of(".[");
      if (cut == std::string::npos) break;
      at.resize(cut);
    }
    return line;
  }

  template <typename F>
  void ForEach(const YAML::Node& list, const std::string& path, F&& fn) {
    if (!list.IsSequence()) Fail("expected a list", list, path);
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      if (!item.IsMap()) Fail("expected a mapping", item, item_path);
      fn(item, item_path);
    }
  }

  // Every mapping, once (an alias names a node already checked; nodes are told apart by where
  // they start and their kind, so a billion laughs is not expanded).
  void CheckDuplicateKeys(const YAML::Node& node, const std::string& path,
                          std::set<std::pair<int, int>>& checked) {
    if (!node.IsMap() && !node.IsSequence()) return;
    if (!checked.insert({node.Mark().pos, static_cast<int>(node.Type())}).second) return;
    if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        CheckDuplicateKeys(node[i], path + "[" + std::to_string(i) + "]", checked);
      }
      return;
    }
    std::map<std::string, int> first_line;
    std::map<std::string, int> earlier;  // kLastWins: how many entries of a key to drop
    for (const auto& kv : node) {
      // No format here has keys other than names; a list or mapping as a key (`? [a, b]`)
      // would fail later as yaml-cpp's "bad conversion" wherever a loader reads the key.
      if (!kv.first.IsScalar()) {
        Fail("a key must be a name, not a list or mapping", kv.first, path);
      }
      const std::string key = kv.first.Scalar();
      key_lines_[Join(path, key)] = LineOf(kv.first);
      if (auto [it, fresh] = first_line.emplace(key, LineOf(kv.first)); !fresh) {
        if (duplicates_ == DuplicateKeys::kError) {
          Fail("duplicate key (first at line " + std::to_string(it->second) +
                   "); a mapping names each key once",
               kv.first, Join(path, key));
        }
        ++earlier[key];
      }
      CheckDuplicateKeys(kv.second, Join(path, key), checked);
    }
    // yaml-cpp keeps every entry and a lookup finds the first; removing a key removes its first
    // entry, so dropping the earlier ones leaves the last.
    YAML::Node map = node;
    for (const auto& [key, count] : earlier) {
      for (int i = 0; i < count; ++i) map.remove(key);
    }
  }

  void CheckKeys(const YAML::Node& map, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        Fail("unknown field; expected one of " + JoinOr(names), kv.first, Join(path, key));
      }
    }
  }

  std::string Text(const YAML::Node& map, std::string_view key, const std::string& path,
                   bool required) {
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) {
      if (required) Fail("missing required field", map, Join(path, key));
      return {};
    }
    if (!n.IsScalar()) Fail("expected a text value", n, Join(path, key));
    return n.as<std::string>();
  }

  std::string Id(const YAML::Node& map, const std::string& path) {
    const std::string id = Text(map, "id", path, true);
    if (id != NormalizeId(id) || id.find_first_of(" \t") != std::string::npos) {
      Fail("ids are lower case with dashes, got " + Quoted(id), map["id"], Join(path, "id"));
    }
    return id;
  }

  double Number(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) Fail("expected a number", n, path);
    try {
      const double v = n.as<double>();
      if (!std::isfinite(v)) Fail("expected a finite number", n, path);
      return v;
    } catch (const YAML::BadConversion&) {
      Fail("expected a number, got " + Quoted(n.as<std::string>()), n, path);
    }
  }

  // A required (or optional, returning `fallback`) number within [lo, hi].
  double Num(const YAML::Node& map, std::string_view key, const std::string& path, double lo,
             double hi, std::optional<double> fallback = std::nullopt) {
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) {
      if (fallback) return *fallback;
      Fail("missing required field", map, Join(path, key));
    }
    const double v = Number(n, Join(path, key));
    if (v < lo || v > hi) {
      Fail("value " + n.as<std::string>() + " out of range; expected " + FormatRange(lo, hi), n,
           Join(path, key));
    }
    return v;
  }

  // Num for an amount a user may type with a suffix, as on the command line: "tokens: 40T",
  // "input_tokens: 2k" (AmountSuffixes; a sequence length's k is 1024, SequenceLengthText). Only
  // for counts whose unit is not in their name: a memory_gib of "80Gi" would be read as 80 x 2^30
  // GiB.
  double Amount(const YAML::Node& map, std::string_view key, const std::string& path, double lo,
                double hi, std::optional<double> fallback = std::nullopt) {
    const YAML::Node n = map[std::string(key)];
    if (n && n.IsScalar()) {
      const std::string text = n.as<std::string>();
      // A rate of tokens typed over the time it is counted in ("1B/day", "2M tokens/s"): the same
      // rate per second (SplitRatePerTime), the day's average.
      if (key.find("tokens_per_s") != std::string_view::npos) {
        if (const auto rate = SplitRatePerTime(text)) {
          const ScaledNumber v = ParseScaledNumber(rate->number, AmountSuffixes());
          if (v.status != NumberStatus::kOk) {
            Fail("expected a rate (4e6, 16M, 2M tokens/s, 1B/day, 1亿/天), got " + Quoted(text), n,
                 Join(path, key));
          }
          const double per_s = v.value / rate->seconds;
          if (per_s < lo || per_s > hi) {
            Fail(fmt::format("value {} ({:.6g} per second) out of range; expected {}", text, per_s,
                             FormatRange(lo, hi)),
                 n, Join(path, key));
          }
          return per_s;
        }
      }
      if (const auto v = Suffixed(SequenceLengthText(text, key))) {
        if (*v < lo || *v > hi) {
          Fail("value " + text + " out of range; expected " + FormatRange(lo, hi), n,
               Join(path, key));
        }
        return *v;
      }
    }
    return Num(map, key, path, lo, hi, fallback);
  }

  // Num for a fraction a user may write as a percentage ("probability: 35%", "growth_per_period:
  // 8%"): the number before the % over 100, then the same range check as a plain number.
  double Share(const YAML::Node& map, std::string_view key, const std::string& path, double lo,
               double hi, std::optional<double> fallback = std::nullopt) {
    const YAML::Node n = map[std::string(key)];
    if (n && n.IsScalar()) {
      std::string text = n.as<std::string>();
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
      if (text.size() > 1 && text.back() == '%') {
        text.pop_back();
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
          text.pop_back();
        double v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
          Fail("expected a number or a percentage, got " + Quoted(n.as<std::string>()), n,
               Join(path, key));
        }
        v /= 100;
        if (v < lo || v > hi) {
          Fail("value " + n.as<std::string>() + " out of range; expected " + FormatRange(lo, hi) +
                   " (" + FormatRange(lo * 100, hi * 100) + " %)",
               n, Join(path, key));
        }
        return v;
      }
    }
    return Num(map, key, path, lo, hi, fallback);
  }

  // Number for a quantity with no unit in its name (chips delivered, a fleet's count), a suffix
  // as on the command line allowed: "per_period: 2K" is 2,000 (AmountSuffixes).
  double AmountNumber(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) {
      if (const auto v = Suffixed(n.as<std::string>())) return *v;
    }
    return Number(n, path);
  }

  // The value of text written with an amount suffix ("2K", "4Mi"); nothing for a plain number
  // (YAML's own reading of it stands) or text that is not an amount.
  static std::optional<double> Suffixed(const std::string& text) {
    const ScaledNumber v = ParseScaledNumber(text, AmountSuffixes());
    if (v.status != NumberStatus::kOk || text.empty() ||
        std::isdigit(static_cast<unsigned char>(text.back()))) {
      return std::nullopt;
    }
    return v.value;
  }

  int Int(const YAML::Node& map, std::string_view key, const std::string& path, int lo, int hi,
          std::optional<int> fallback = std::nullopt) {
    const double v =
        Num(map, key, path, lo, hi, fallback ? std::optional<double>(*fallback) : std::nullopt);
    if (v != std::floor(v)) {
      Fail("expected a whole number", map[std::string(key)], Join(path, key));
    }
    return static_cast<int>(v);
  }

  bool Bool(const YAML::Node& map, std::string_view key, const std::string& path, bool fallback) {
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) return fallback;
    try {
      return n.as<bool>();
    } catch (const YAML::BadConversion&) {
      Fail("expected true or false", n, Join(path, key));
    }
  }

  static std::string FormatRange(double lo, double hi) {
    return fmt::format("[{:g}, {:g}]", lo, hi);
  }

  // An optional map of names to numbers within [lo, hi] (an engine's figures per chip family);
  // absent or null: empty. `what` names the map in the error ("chip family to a fraction").
  std::map<std::string, double> NumberMap(const YAML::Node& map, std::string_view key,
                                          const std::string& path, std::string_view what, double lo,
                                          double hi) {
    std::map<std::string, double> out;
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) return out;
    const std::string npath = Join(path, key);
    if (!n.IsMap()) Fail("expected a map of " + std::string(what), n, npath);
    for (const auto& kv : n) {
      const std::string name = kv.first.as<std::string>();
      out[name] = Num(n, name, npath, lo, hi);
    }
    return out;
  }

  std::vector<std::string> Strings(const YAML::Node& map, std::string_view key,
                                   const std::string& path) {
    std::vector<std::string> out;
    const YAML::Node n = map[std::string(key)];
    if (!n || n.IsNull()) return out;
    if (n.IsScalar()) return {n.as<std::string>()};
    if (!n.IsSequence()) Fail("expected a list of text values", n, Join(path, key));
    for (const auto& item : n) {
      if (!item.IsScalar()) Fail("expected a text value", item, Join(path, key));
      out.push_back(item.as<std::string>());
    }
    return out;
  }

  std::string file_;
  DuplicateKeys duplicates_ = DuplicateKeys::kError;
  // Each key written in the file (its dotted path, lists as [i]) -> its line (LineAt). Keys under
  // an alias are not walked again (CheckDuplicateKeys), so they have none.
  std::map<std::string, int> key_lines_;
  // Each alias written in the file, by the path of the value it stands for (AliasPaths).
  std::map<std::string, int> alias_lines_;
};

}  // namespace suanli

#endif  // SUANLI_CORE_YAML_READER_H_
