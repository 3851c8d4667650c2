"""Element sets (SGP4 mean elements): the record (:mod:`tle.elements`), the published formats
(:mod:`tle.formats`) and CelesTrak (:mod:`tle.celestrak`). Importing the package itself costs
nothing: the command line reads :data:`ELEMENT_SUFFIXES` from it while it builds its help."""

#: Suffixes of element-set files (TLE/2LE/3LE, OMM CSV/JSON/XML, text): what a directory given to
#: an import is searched for (the format of each file is told from its content).
ELEMENT_SUFFIXES = (".2le", ".3le", ".csv", ".json", ".tle", ".txt", ".xml")
