package domain

import (
	"strings"
	"testing"
)

func TestPrefixLastWord(t *testing.T) {
	for _, c := range []struct {
		q    string
		want bool
	}{
		{"refu", true},
		{"refund requ", true},
		{"Rückerstattu", true},
		{"ticket 42", true},
		{"refund ", false},
		{`"cold soup"`, false},
		{`"cold sou`, true},
		{"refund -callb", false},
		{`refund "-callb`, false},
		{"refund or", true},
		{"", false},
		{"refund!", false},
	} {
		if got := PrefixLastWord(c.q); got != c.want {
			t.Errorf("PrefixLastWord(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestSearchSettingsValidate(t *testing.T) {
	for _, c := range []struct {
		language string
		ok       bool
	}{{"english", true}, {"simple", true}, {"german", true}, {"yiddish", true}, {"German", false}, {"klingon", false}, {"", false}, {"english ", false}} {
		err := SearchSettings{Language: c.language}.Validate()
		if c.ok != (err == nil) {
			t.Errorf("%q: %v", c.language, err)
			continue
		}
		if e, _ := err.(*Error); err != nil && (e.Code != EInvalid || e.Fields[0].Pointer != "/language" || !strings.Contains(e.Fields[0].Detail, "simple, arabic")) {
			t.Errorf("%q: %+v, want invalid naming /language with the languages", c.language, e)
		}
	}
}
