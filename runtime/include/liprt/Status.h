//===- Status.h - Success or an error message, for the runtime ------------===//
//
// The runtime reports bad input (a corrupt checkpoint, a malformed data
// file) with a message for the user and never aborts; every fallible call
// returns a Status or a Result<T>.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_STATUS_H
#define LIPRT_STATUS_H

#include <optional>
#include <string>
#include <utility>

namespace liprt {

class [[nodiscard]] Status {
public:
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }

  bool isOk() const { return !message_; }
  explicit operator bool() const { return isOk(); }
  const std::string &message() const { return *message_; }

private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

/// A value or the error that prevented it.
template <typename T>
class [[nodiscard]] Result {
public:
  Result(T value) : value_(std::move(value)), status_(Status::ok()) {}
  Result(Status error) : status_(std::move(error)) {}

  bool isOk() const { return status_.isOk(); }
  explicit operator bool() const { return isOk(); }
  const Status &status() const { return status_; }
  T &operator*() { return *value_; }
  const T &operator*() const { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace liprt

#endif // LIPRT_STATUS_H
