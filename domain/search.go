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
	// in web search syntax: "a quoted phrase", or, -excluded. The last word
	// is a prefix while it is being typed (the query ends in a letter or
	// digit of a word that is not excluded): refu finds refund; refund
	// followed by a space finds only refund and its forms (refunds,
	// refunded).
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
// prefix (see MatchWords): when q ends in a letter or digit, and the word
// it ends with does not start with "-".
func PrefixLastWord(q string) bool {
	last, _ := utf8.DecodeLastRuneInString(q)
	if !unicode.IsLetter(last) && !unicode.IsDigit(last) {
		return false
	}
	word := q[strings.LastIndexFunc(q, unicode.IsSpace)+1:]
	return !strings.HasPrefix(strings.TrimLeft(word, `"`), "-")
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
