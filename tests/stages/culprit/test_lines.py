"""The culprit's changed lines, carried to where they stand in the failing tree."""

from __future__ import annotations

from bot.stages.culprit.lines import carried, changed_lines

CULPRIT = """diff --git a/pkg/mod.py b/pkg/mod.py
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -2 +2 @@ def f():
-    return 1
+    return 2
@@ -8,2 +7,0 @@ def g():
-    check()
-    more()
@@ -20,0 +19,2 @@ def h():
+    a = 1
+    b = 2
diff --git a/pkg/new.py b/pkg/new.py
new file mode 100644
--- /dev/null
+++ b/pkg/new.py
@@ -0,0 +1,2 @@
+x = 1
+--- not a header
"""
LATER = """diff --git a/pkg/mod.py b/pkg/mod.py
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -0,0 +1,3 @@
+import os
+import sys
+
@@ -19 +22 @@ def h():
-    a = 1
+    a = 3
diff --git a/pkg/new.py b/pkg/new.py
deleted file mode 100644
--- a/pkg/new.py
+++ /dev/null
@@ -1,2 +0,0 @@
-x = 1
---- not a header
"""


def test_added_lines_and_the_place_of_deleted_ones():
    assert changed_lines(CULPRIT) == {"pkg/mod.py": {2, 7, 19, 20}, "pkg/new.py": {1, 2}}


def test_lines_move_with_later_insertions_and_rewrites():
    moved = carried(changed_lines(CULPRIT), LATER)
    assert moved == {"pkg/mod.py": (5, 10, 22, 23)}, "pkg/new.py was deleted since"


def test_no_later_change_keeps_the_numbers():
    assert carried({"a.py": {3, 1}}, "") == {"a.py": (1, 3)}
