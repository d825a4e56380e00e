package repository_test

import (
	"testing"

	"cxbacklog/repository/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
