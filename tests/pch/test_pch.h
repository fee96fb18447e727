// Precompiled header for test executables: LibTorch + GoogleTest. No include guard: it is only ever
// the precompiled header (GCC warns about `#pragma once` in the main file when it builds one).

#include <gtest/gtest.h>

#include "../../core/pch/core_pch.h"
