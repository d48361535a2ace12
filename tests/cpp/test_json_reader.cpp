// The strict JSON reader used for store.json and manifests.
#include <gtest/gtest.h>

#include <string>

#include "chunker/json_reader.hpp"

using chunker::Errc;
namespace json = chunker::json;

TEST(JsonReader, AcceptsAnyValidLayout) {
  auto v = json::parse(" \n\t{ \"b\" : [ 1 , -2.5e+3 , true , false , null ] ,\r\n \"a\":\"x\\u00e9\\ud83d\\ude00\\n\\\"\\/\" } \n");
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  ASSERT_TRUE(v->is_object());
  ASSERT_EQ(v->members.size(), 2u);
  EXPECT_EQ(v->members[0].key, "b");  // input order kept
  const json::Value* b = v->find("b");
  ASSERT_TRUE(b && b->is_array());
  ASSERT_EQ(b->items.size(), 5u);
  EXPECT_EQ(b->items[0].as_u64(), 1u);
  EXPECT_EQ(b->items[1].text, "-2.5e+3");
  EXPECT_FALSE(b->items[1].as_u64().has_value());
  EXPECT_TRUE(b->items[2].boolean);
  EXPECT_EQ(b->items[4].kind, json::Value::Kind::null);
  EXPECT_EQ(v->find("a")->text, "x\xc3\xa9\xf0\x9f\x98\x80\n\"/");
  EXPECT_EQ(v->find("zz"), nullptr);
}

TEST(JsonReader, Integers) {
  EXPECT_EQ(json::parse("18446744073709551615")->as_u64(), 18446744073709551615ull);
  EXPECT_FALSE(json::parse("18446744073709551616")->as_u64().has_value());  // overflow: not a u64
  EXPECT_FALSE(json::parse("-1")->as_u64().has_value());
  EXPECT_FALSE(json::parse("1.0")->as_u64().has_value());
  EXPECT_FALSE(json::parse("1e3")->as_u64().has_value());
  EXPECT_EQ(json::parse("0")->as_u64(), 0u);
}

TEST(JsonReader, RejectsInvalidTextWithOffset) {
  const char* bad[] = {"",          "{",           "{\"a\":1,}",   "[1,]",     "[1 2]",     "{\"a\" 1}",
                       "{a:1}",     "'x'",         "01",           "1.",       ".5",        "-",
                       "1e",        "+1",          "tru",          "nul",      "\"abc",     "\"a\\x\"",
                       "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\x01\"", "\"\xff\"",  "\"\xc0\xaf\"",
                       "\"\xed\xa0\x80\"", "{\"a\":1,\"a\":2}", "[] []",      "NaN",      "[1]x",      "\"\\ud800\\u0041\""};
  for (const char* t : bad) {
    auto v = json::parse(t);
    ASSERT_FALSE(v.ok()) << "accepted: " << t;
    EXPECT_EQ(v.status().code(), Errc::corrupt_input) << t;
    EXPECT_NE(v.status().message().find("invalid JSON at byte "), std::string::npos) << v.status().message();
  }
  EXPECT_NE(json::parse("{\"a\":1,\"a\":2}").status().message().find("duplicate key \"a\""), std::string::npos);
}

TEST(JsonReader, EmbeddedNulIsAControlCharacter) {
  std::string s = "\"a";
  s += '\0';
  s += "b\"";
  EXPECT_FALSE(json::parse(s).ok());
  // But an escaped NUL is valid JSON (callers reject it where it matters, e.g. stored names).
  auto v = json::parse("\"a\\u0000b\"");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, std::string("a\0b", 3));
}

TEST(JsonReader, DepthAndSizeLimits) {
  std::string deep(100000, '[');  // would overflow the stack without the depth limit
  auto v = json::parse(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Errc::output_limit);
  std::string ok_depth = std::string(32, '[') + std::string(32, ']');
  EXPECT_TRUE(json::parse(ok_depth).ok());
  std::string too_deep = std::string(33, '[') + std::string(33, ']');
  EXPECT_EQ(json::parse(too_deep).status().code(), Errc::output_limit);
  EXPECT_EQ(json::parse("[1,2,3]", {.max_bytes = 6}).status().code(), Errc::output_limit);
  EXPECT_TRUE(json::parse("[1,2,3]", {.max_bytes = 7}).ok());
}

TEST(JsonReader, AppendStringRoundTrips) {
  std::string raw = std::string("q\"b\\s/\n\t\x01 \xc3\xa9", 13);
  std::string out;
  json::append_string(out, raw);
  auto v = json::parse(out);
  ASSERT_TRUE(v.ok()) << out;
  EXPECT_EQ(v->text, raw);
}
