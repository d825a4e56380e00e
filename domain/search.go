package domain

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchMatch is how the idea list's search (q) matches.
type SearchMatch string

const (
	// MatchWords matches words, stemmed in the workspace's search language,
	// in web search syntax: "a quoted phrase", or, -excluded. A last word
	// ending in * is a prefix: refu* finds refund; refund finds only refund
	// and its forms (refunds, refunded).
	MatchWords SearchMatch = "words"
	// MatchSubstring matches a case-insensitive substring of title, problem
	// or proposal, parts of words included.
	MatchSubstring SearchMatch = "substring"
)

// SearchMatches lists every match mode; the first is the default.
var SearchMatches = []SearchMatch{MatchWords, MatchSubstring}

// SearchLanguages are the text search configurations an idea search can
// stem in: the Snowball stemmers PostgreSQL (13 and later) ships, and
// "simple", which only lower-cases.
var SearchLanguages = []string{"simple", "arabic", "armenian", "basque", "catalan", "danish", "dutch", "english",
	"finnish", "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish", "italian", "lithuanian",
	"nepali", "norwegian", "portuguese", "romanian", "russian", "serbian", "spanish", "swedish", "tamil", "turkish",
	"yiddish"}

// DefaultSearchLanguage is the search language of a workspace that never set one.
const DefaultSearchLanguage = "english"

// SearchSettings are a workspace's search settings.
type SearchSettings struct {
	// Language stems the ideas' title, problem and proposal and the
	// searches of them; one of SearchLanguages.
	Language string
}

// DefaultSearchSettings returns the settings of a workspace that never set any.
func DefaultSearchSettings() SearchSettings { return SearchSettings{Language: DefaultSearchLanguage} }

// Validate is EInvalid naming /language, with the allowed ones, for a
// language that is not one of SearchLanguages.
func (s SearchSettings) Validate() error {
	if !slices.Contains(SearchLanguages, s.Language) {
		return Invalid(FieldError{Pointer: "/language", Detail: "must be one of " + strings.Join(SearchLanguages, ", ")})
	}
	return nil
}

// PrefixLastWord reports whether a words search treats its last word as a
// prefix (see MatchWords): when q, but for trailing spaces, ends in * right
// after a letter or digit, and the word it ends does not start with "-".
// The * needs no removing: the search syntax reads it as a separator.
func PrefixLastWord(q string) bool {
	q = strings.TrimRightFunc(q, unicode.IsSpace)
	word, ok := strings.CutSuffix(q[strings.LastIndexFunc(q, unicode.IsSpace)+1:], "*")
	if !ok {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(word)
	if !unicode.IsLetter(last) && !unicode.IsDigit(last) {
		return false
	}
	return !strings.HasPrefix(strings.TrimLeft(word, `"`), "-")
}

// AsTyped is q as a search box reads what a person types: its last word a
// prefix (refu finds refund) unless it is finished (followed by a space or
// a closing quote), excluded with "-", or already one.
func AsTyped(q string) string {
	last, _ := utf8.DecodeLastRuneInString(q)
	word := q[strings.LastIndexFunc(q, unicode.IsSpace)+1:]
	if !unicode.IsLetter(last) && !unicode.IsDigit(last) || strings.HasPrefix(strings.TrimLeft(word, `"`), "-") {
		return q
	}
	return q + "*"
}

// CheckSearch is EMalformed naming the parameter sort when the filter's
// order is SortRelevance without a words search to rank by.
func (f IdeaFilter) CheckSearch() error {
	if f.Sort != SortRelevance || (f.Query != nil && f.Match != MatchSubstring) {
		return nil
	}
	return &Error{Code: EMalformed, Message: "the query has invalid parameters", Fields: []FieldError{{Parameter: "sort",
		Detail: "relevance ranks a search of words: it needs q, and match=words (the default)"}}}
}
