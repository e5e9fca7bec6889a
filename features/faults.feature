@fault @slow
Feature: The site stays up when its parts fail
  In order that readers can always read The Publication
  As the publisher
  I want every page answered quickly and kindly, whichever part of the stack is down

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Scenario Outline: With memcached <state>, every page is still rendered by Django, quickly
    Given memcached is <state>
    When a reader visits each of these pages
      | page               |
      | /                  |
      | /blog/hello-world/ |
      | /login/            |
    Then every page answers 200 from Django within a second

    Examples:
      | state   |
      | stopped |
      | frozen  |

  Scenario: When memcached is back, pages are stored in it and served from it again
    Given memcached is stopped
    And a reader has visited "/blog/hello-world/"
    When memcached is back
    And a reader visits "/blog/hello-world/"
    And another reader visits "/blog/hello-world/"
    Then the page is served from memcached

  Scenario: With the app stopped, stored pages are still served from memcached
    Given readers have seen "/blog/hello-world/" served from memcached
    And the app is stopped
    And a second has passed since
    When another reader visits "/blog/hello-world/"
    Then the page is served from memcached

  Scenario: With the app stopped, other pages get the site's own page, not nginx's
    Given the app is stopped
    When a reader visits "/"
    Then the reader gets the site's service-unavailable page

  Scenario: When the app is back, pages are rendered again
    Given the app is stopped
    When the app is back
    And a reader visits "/"
    Then the page is rendered by Django

  Scenario: With the database down, readers get the site's own page, and nothing is stored
    Given the database is down
    When a reader visits "/"
    Then the reader gets the site's service-unavailable page
    And memcached holds nothing for "/"

  Scenario: When the database is back, pages are rendered again
    Given the database is down
    When the database is back
    And a reader visits "/"
    Then the page is rendered by Django
