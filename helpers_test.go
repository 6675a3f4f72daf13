package shipcheck

import "github.com/shipcheck/shipcheck/packaging"

func packagingOptions(layers []string) packaging.Options { return packaging.Options{Layers: layers} }
