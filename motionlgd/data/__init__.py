"""Motion-capture readers (BVH, ASF/AMC), source mapping to the 22-joint layout, datasets."""
