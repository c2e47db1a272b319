import GGMCore
