// Internal to the encoders: shared error-message helper.
#pragma once

#include <string>

namespace chunker::encoding_detail {

// Printable form of a byte for error messages: 'x' or 0xNN.
std::string describe_char(char c);

}  // namespace chunker::encoding_detail
