// SPDX-License-Identifier: Apache-2.0
// The Go HCL parser, pinned to the version inside hcl2json v0.6.4 (setup.sh
// installs it, so the module cache already holds every dependency).
module faultline/bench/hclparse

go 1.21

require (
	github.com/hashicorp/hcl/v2 v2.21.0
	github.com/zclconf/go-cty v1.15.0
)

require (
	github.com/agext/levenshtein v1.2.3 // indirect
	github.com/apparentlymart/go-textseg/v15 v15.0.0 // indirect
	github.com/go-test/deep v1.0.7 // indirect
	github.com/mitchellh/go-wordwrap v1.0.1 // indirect
	golang.org/x/mod v0.8.0 // indirect
	golang.org/x/sys v0.5.0 // indirect
	golang.org/x/text v0.11.0 // indirect
	golang.org/x/tools v0.6.0 // indirect
)
