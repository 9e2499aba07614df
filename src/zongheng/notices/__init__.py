"""一传到底: notices sent down the tree, read and acknowledged (回执) level by level."""
