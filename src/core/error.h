// Errors as values at every boundary (LevelDB's Status, in C++20 shape).
//
// An Error names where the bad input is (file and 1-based line, when known),
// which field, and what was expected. Functions that can fail on user input
// return Result<T>; nothing below the CLI throws for bad input.
#ifndef SUANLI_CORE_ERROR_H_
#define SUANLI_CORE_ERROR_H_

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace suanli {

struct Error {
  Error() = default;
  explicit Error(std::string message_in, std::string file_in = {}, int line_in = 0,
                 std::string field_in = {})
      : message(std::move(message_in)),
        file(std::move(file_in)),
        line(line_in),
        field(std::move(field_in)) {}

  std::string message;  // what is wrong and what was expected
  std::string file;     // empty when the input did not come from a file
  int line = 0;         // 1-based; 0 when unknown
  std::string field;    // dotted path of the offending field, may be empty

  // "file:line: field: message", omitting the parts that are unknown.
  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(std::string message, std::string file = {}, int line = 0,
                                       std::string field = {}) {
  return tl::unexpected<Error>(Error{std::move(message), std::move(file), line, std::move(field)});
}

}  // namespace suanli

#endif  // SUANLI_CORE_ERROR_H_
