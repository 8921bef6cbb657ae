//===- Json.cpp - JSON for the runtime ------------------------------------===//

#include "Json.h"

#include <cmath>
#include <set>
#include <vector>

namespace liprt::json {

namespace {
/// Thrown from the parser's callback to stop at a rule of the runtime's.
struct Refused {
  std::string reason;
};

/// Sees every parse event: tracks the keys of each open object and the depth.
class RuleChecker {
public:
  bool operator()(int depth, Json::parse_event_t event, Json &parsed) {
    switch (event) {
    case Json::parse_event_t::object_start:
    case Json::parse_event_t::array_start:
      if (depth >= kMaxDepth)
        throw Refused{"nested more than " + std::to_string(kMaxDepth) + " levels deep"};
      openKeys.emplace_back();
      break;
    case Json::parse_event_t::object_end:
    case Json::parse_event_t::array_end:
      openKeys.pop_back();
      break;
    case Json::parse_event_t::key:
      if (!openKeys.back().insert(parsed.get<std::string>()).second)
        throw Refused{"the key \"" + parsed.get<std::string>() + "\" appears twice in an object"};
      break;
    case Json::parse_event_t::value:
      break;
    }
    return true;
  }

private:
  std::vector<std::set<std::string>> openKeys; // one per open object or array
};
} // namespace

Result<Json> parse(const std::string &text) {
  try {
    RuleChecker checker;
    return Json::parse(text, std::ref(checker));
  } catch (const Refused &refused) {
    return Status::error(refused.reason);
  } catch (const Json::exception &error) {
    // A syntax error (parse_error) or a number beyond a double
    // (out_of_range: "number overflow parsing '4E4444'"). nlohmann's
    // message: "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error while parsing value - ...". The part after the
    // bracket is the reader's.
    std::string what = error.what();
    size_t bracket = what.find("] ");
    return Status::error(bracket == std::string::npos ? what : what.substr(bracket + 2));
  }
}

const Json *member(const Json &value, const char *key) {
  if (!value.is_object())
    return nullptr;
  auto it = value.find(key);
  return it == value.end() ? nullptr : &*it;
}

bool isInteger(const Json &value) {
  constexpr int64_t kExact = int64_t(1) << 53;
  if (value.is_number_unsigned())
    return value.get<uint64_t>() < static_cast<uint64_t>(kExact);
  if (value.is_number_integer())
    return value.get<int64_t>() > -kExact && value.get<int64_t>() < kExact;
  if (!value.is_number_float())
    return false;
  double v = value.get<double>();
  return v == std::floor(v) && std::fabs(v) < static_cast<double>(kExact);
}

std::string dump(const Json &value) {
  // Invalid UTF-8 becomes U+FFFD rather than an exception: callers whose
  // strings come from files check them first (isUtf8).
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace liprt::json
