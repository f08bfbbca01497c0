// --cluster: "type:count[:gpus_per_node],...".
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "core/text.h"
#include "sim/trace/reader_util.h"
#include "sim/trace/trace.h"

namespace suanli::sim {

using trace_internal::SplitOn;

namespace {

// `s` split at every `sep`, empty items kept.
std::vector<std::string> SplitKeepingEmpty(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

}  // namespace

Result<std::vector<Node>> ParseClusterSpec(std::string_view spec) {
  std::vector<Node> nodes;
  // An empty entry or field was dropped: `h800::16` read as a pool of 16 (the count left out, or
  // a node size of 16 meant?), `h800:16:` as no node size, `h800:16,,v100:8` as two entries.
  // The spec as written: each entry type:count[:gpus_per_node], none empty.
  for (const auto& entry : SplitKeepingEmpty(std::string(spec), ',')) {
    const auto raw = SplitKeepingEmpty(entry, ':');
    const bool blank = entry.find_first_not_of(" \t") == std::string::npos;
    bool empty_field = false;
    for (const auto& f : raw)
      empty_field = empty_field || f.find_first_not_of(" \t") == std::string::npos;
    if (blank && SplitOn(std::string(spec), ',').size() > 0) {
      return MakeError(Quoted(spec.substr(0, 80)) +
                           " has an empty entry between its commas; give type:count entries "
                           "(h800:16,v100:8)",
                       "", 0, "--cluster");
    }
    if (empty_field && raw.size() >= 2) {
      return MakeError(Quoted(entry.substr(0, 60)) +
                           " has an empty field; give type:count or type:count:gpus_per_node "
                           "(h800:16, h800:16:8)",
                       "", 0, "--cluster");
    }
  }
  for (const auto& part : SplitOn(std::string(spec), ',')) {
    // "v100:8, p100:8": spaces around a type or a count are not part of it.
    auto fields = SplitOn(part, ':');
    for (auto& f : fields) {
      while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.erase(0, 1);
      while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
    }
    if (fields.size() < 2 || fields.size() > 3) {
      return MakeError(Quoted(part) + " is not type:count or type:count:gpus_per_node", "", 0,
                       "--cluster");
    }
    int count = 0, per = 0;
    auto [p1, e1] = std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), count);
    // 0 is allowed: Gavel's `-c 8:0:8` names a type the cluster does not have.
    // The whole field must be the number: "1e9" and "8abc" are not 1 and 8.
    if (e1 != std::errc() || p1 != fields[1].data() + fields[1].size() || count < 0 ||
        count > 10'000'000) {
      return MakeError(Quoted(fields[1]) + " is not a GPU count", "", 0, "--cluster");
    }
    if (fields.size() == 3) {
      auto [p2, e2] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), per);
      if (e2 != std::errc() || p2 != fields[2].data() + fields[2].size() || per < 1 || per > 1024) {
        return MakeError(Quoted(fields[2]) + " is not a GPUs-per-node count", "", 0, "--cluster");
      }
    }
    if (per == 0) per = count;  // one pool per type, as Gavel's workers (no locality)
    for (int left = count; left > 0; left -= per) {
      nodes.push_back({static_cast<int>(nodes.size()), fields[0], std::min(per, left), 0, 0});
    }
  }
  if (nodes.empty()) return MakeError("empty cluster", "", 0, "--cluster");
  return nodes;
}

}  // namespace suanli::sim
